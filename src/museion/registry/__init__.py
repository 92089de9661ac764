"""The algorithm registry: model cards (``cards``), the review policy (``policy``) and board (``review``), the
lifecycle and serving gate (``lifecycle``), the public disclosure (``disclosure``), the filing pack (``filing``) and
the records behind them (``models``, with the names of a version's artifact files in ``artifact_files``).

Only a version approved under the policy and deployed is ever served (``lifecycle.servable``)."""
