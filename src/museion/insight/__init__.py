"""Market insight: demand series, forecasts with backtests, emerging trends and catalogue gaps (issue 14).

Pure cores (``series``, ``forecast``, ``trends``) work on arrays; services (``demand``, ``forecasting``) read audience
demand only through the privacy gate (purpose ``analytics``, small cells suppressed) and the public catalogue.
"""
