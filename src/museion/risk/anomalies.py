"""KPI anomalies (pure core): points of a series that its seasonal decomposition cannot explain.

STL (Cleveland et al. 1990, via statsmodels; seasonal smoother 13) splits the series into trend, season and residual; a point
is anomalous when its residual is more than ``threshold`` robust standard deviations (1.4826 × MAD of the residuals)
from their median. Consecutive anomalous points of the same sign are one anomaly (a level shift shows as a run), with a
severity from the largest deviation. Series too short for a season fall back to a rolling-median trend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.tsa.seasonal import STL

from museion.errors import MuseionError

THRESHOLD = 5.0
MIN_POINTS = 12


class TooShort(MuseionError):
    """A series too short to tell an anomaly from ordinary variation."""


@dataclass(frozen=True)
class Anomaly:
    start: int
    end: int
    """Index of the first and last anomalous point (inclusive)."""
    direction: str
    """"spike" (above what is expected) or "dip"."""
    score: float
    """Largest robust z of the run's residuals (absolute)."""
    expected: float
    observed: float
    """At the run's most extreme point."""

    @property
    def severity(self) -> str:
        return "high" if self.score >= 2 * THRESHOLD else "medium" if self.score >= 1.4 * THRESHOLD else "low"


def residuals(values: np.ndarray, period: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(expected, residual) per point: robust STL where a season fits twice, else a rolling median."""
    y = np.asarray(values, dtype=np.float64)
    if period and period >= 2 and y.size >= 2 * period + 1:
        fit = STL(y, period=period, seasonal=13, robust=True).fit()  # outliers do not bend the expected values
        expected = fit.trend + fit.seasonal
    else:
        half = 3
        padded = np.pad(y, half, mode="edge")
        expected = np.array([np.median(padded[i:i + 2 * half + 1]) for i in range(y.size)])
    return expected, y - expected


def _spread(y: np.ndarray, period: int | None) -> float:
    """The noise level: 1.4826 × MAD of a non-robust fit's residuals (a robust fit's own residuals understate it)."""
    if period and period >= 2 and y.size >= 2 * period + 1:
        plain = STL(y, period=period, seasonal=13).fit().resid
    else:
        plain = residuals(y, None)[1]
    return float(1.4826 * np.median(np.abs(plain - np.median(plain))))


def detect(values: np.ndarray, *, period: int | None = 12, threshold: float = THRESHOLD) -> list[Anomaly]:
    """Anomalous runs of a series (missing points must be filled or dropped by the caller)."""
    y = np.asarray(values, dtype=np.float64)
    if y.size < MIN_POINTS or not np.isfinite(y).all():
        raise TooShort("a KPI series needs at least %(n)s complete points, got %(got)s", n=MIN_POINTS,
                       got=int(np.isfinite(y).sum()))
    expected, residual = residuals(y, period)
    centre = np.median(residual)
    spread = _spread(y, period)
    if spread <= 1e-12:
        spread = float(residual.std()) or 1.0
    z = (residual - centre) / spread
    flagged = np.abs(z) > threshold
    found: list[Anomaly] = []
    i = 0
    while i < y.size:
        if not flagged[i]:
            i += 1
            continue
        sign = np.sign(z[i])
        j = i
        while j + 1 < y.size and flagged[j + 1] and np.sign(z[j + 1]) == sign:
            j += 1
        peak = i + int(np.argmax(np.abs(z[i:j + 1])))
        found.append(Anomaly(i, j, "spike" if sign > 0 else "dip", float(abs(z[peak])), float(expected[peak]),
                             float(y[peak])))
        i = j + 1
    return found


def precision_recall(found: list[Anomaly], truth: list[int], tolerance: int = 1) -> tuple[float, float]:
    """An anomaly is right when an injected point lies within ``tolerance`` of its run; recall over injected points."""
    hit = [any(a.start - tolerance <= t <= a.end + tolerance for t in truth) for a in found]
    caught = [any(a.start - tolerance <= t <= a.end + tolerance for a in found) for t in truth]
    return (sum(hit) / len(found) if found else 1.0), (sum(caught) / len(truth) if truth else 1.0)
