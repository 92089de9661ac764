"""KPI anomaly alerts (service): monthly activity (events and active members, read as aggregates for the analytics
purpose: counts only, small cells suppressed) checked by :mod:`museion.risk.anomalies`; one alert per anomalous run,
de-duplicated by series and month, with the series and what was expected as evidence."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection

from museion.privacy import aggregates
from museion.risk import alerts, anomalies

DETECTOR = "kpi.stl_mad"


def _complete(months: list[str], values: list[int | None]) -> tuple[list[str], np.ndarray]:
    """Every calendar month from the first to the last (months without events count 0; suppressed cells are NaN)."""
    if not months:
        return [], np.zeros(0)
    start_year, start_month = map(int, months[0].split("-"))
    end_year, end_month = map(int, months[-1].split("-"))
    count = (end_year - start_year) * 12 + end_month - start_month + 1
    labels = [f"{start_year + (start_month - 1 + k) // 12:04d}-{(start_month - 1 + k) % 12 + 1:02d}" for k in range(count)]
    given = dict(zip(months, values, strict=True))
    return labels, np.array([np.nan if m in given and given[m] is None else float(given.get(m) or 0) for m in labels])


def scan_activity(conn: Connection, *, actor: str, last: int = 120) -> list[int]:
    """Check the last ``last`` months of events and active members; raise one alert per anomaly (TooShort if the
    series is too short or has suppressed months)."""
    monthly = aggregates.activity_by_month(conn, actor=actor)
    threshold = alerts.threshold(conn, DETECTOR)
    raised: list[int] = []
    for name, values in (("events", monthly.events), ("active_members", monthly.members)):
        labels, series = _complete(monthly.months, values)
        labels, series = labels[-last:], series[-last:]
        keep = ~np.isnan(series)
        labels, series = [m for m, k in zip(labels, keep, strict=True) if k], series[keep]
        for found in anomalies.detect(series, period=12, threshold=threshold):
            evidence: dict[str, Any] = {"series": name, "months": labels, "values": series.tolist(),
                                        "anomaly": {"from": labels[found.start], "to": labels[found.end],
                                                    "direction": found.direction, "score": round(found.score, 2),
                                                    "expected": round(found.expected, 1), "observed": found.observed},
                                        "threshold": threshold}
            summary = (f"{name.replace('_', ' ')} {found.direction} in {labels[found.start]}"
                       f"{'' if found.end == found.start else ' to ' + labels[found.end]}: {found.observed:,.0f} "
                       f"against about {found.expected:,.0f} expected")
            raised.append(alerts.raise_alert(conn, kind="kpi", detector=DETECTOR, severity=found.severity,
                                             subject=f"activity:{name}:{labels[found.start]}", summary=summary,
                                             evidence=evidence, actor=actor).alert_id)
    return raised
