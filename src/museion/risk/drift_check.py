"""Interaction drift alerts (service): ratings read through the gate for the ``integrity`` purpose, the latest window
compared with the window before it (rating values by PSI and Jensen–Shannon; ratings per active member and the
popularity of the works rated also by KS), one alert per variable that moved at least moderately (PSI ≥ 0.1)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection

from museion.errors import MuseionError
from museion.privacy import gate
from museion.privacy.datamap import INTEGRITY_PURPOSE
from museion.risk import alerts
from museion.risk.drift_stats import compare

DETECTOR = "drift.interactions"
MIN_EVENTS = 200
RATING_BINS = np.arange(0.25, 5.5, 0.5)


class TooLittleHistory(MuseionError):
    """The windows hold too few timed ratings to compare."""


def scan(conn: Connection, *, actor: str, days: int = 90, source: str | None = None) -> list[int]:
    """Compare the last ``days`` days of ratings with the ``days`` before; raise alerts for moderate or large drift."""
    events = gate.read_activity(conn, purpose=INTEGRITY_PURPOSE, actor=actor, source=source,
                                kinds=frozenset({"rating"}))
    times = np.asarray(events.timestamps, dtype=np.float64)
    timed = np.isfinite(times) & np.isfinite(np.asarray(events.values, dtype=np.float64))
    if timed.sum() < 2 * MIN_EVENTS:
        raise TooLittleHistory("too few timed ratings to compare windows: %(n)s (at least %(min)s are needed)",
                               n=int(timed.sum()), min=2 * MIN_EVENTS)
    end = float(times[timed].max())
    span = days * 86_400.0
    after = timed & (times > end - span)
    before = timed & (times <= end - span) & (times > end - 2 * span)
    if before.sum() < MIN_EVENTS or after.sum() < MIN_EVENTS:
        raise TooLittleHistory("too few timed ratings to compare windows: %(before)s before and %(after)s after "
                               "(at least %(min)s each)", before=int(before.sum()), after=int(after.sum()),
                               min=MIN_EVENTS)
    values = np.asarray(events.values, dtype=np.float64)
    works = np.asarray(events.work_ids)
    _, inverse, counts = np.unique(works, return_inverse=True, return_counts=True)
    popularity = np.log1p(counts[inverse])
    found = [compare("rating", values[before], values[after], bins=RATING_BINS, continuous=False),
             compare("ratings_per_member", _per_member(events.member_ids[before]), _per_member(events.member_ids[after])),
             compare("work_popularity", popularity[before], popularity[after])]
    window = {"days": days, "end": int(end)}
    raised = []
    for drift in found:
        if drift.severity is None:
            continue
        evidence: dict[str, Any] = {**drift.__dict__, "window": window}
        raised.append(alerts.raise_alert(
            conn, kind="drift", detector=DETECTOR, severity=drift.severity,
            subject=f"interactions:{drift.variable}:{int(end) // 86_400}", actor=actor, evidence=evidence,
            summary=f"{drift.variable.replace('_', ' ')} drifted between the last two {days}-day windows "
                    f"(PSI {drift.psi:.2f}, JS {drift.js:.2f})").alert_id)
    return raised


def _per_member(members: np.ndarray) -> np.ndarray:
    return np.unique(members, return_counts=True)[1].astype(np.float64)

