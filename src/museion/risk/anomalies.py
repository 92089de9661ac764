"""KPI anomalies (pure core): points of a series that its seasonal decomposition cannot explain.

STL (Cleveland et al. 1990, via statsmodels; seasonal smoother 13) splits the series into trend, season and residual; a point
is anomalous when its residual is more than ``threshold`` robust standard deviations (1.4826 × MAD of the residuals)
from their median. Consecutive anomalous points of the same sign are one anomaly (a level shift shows as a run), with a
severity from the largest deviation. Series too short for a season fall back to a rolling-median trend.

The cut is calibrated, not fixed: a robust fit's residuals are heavy-tailed even on clean series, more so at the ends
(STL has less on one side to lean on), so a fixed 5 robust sd alarmed on over a third of clean generated series. The
statistic is scale-free (residual over the noise's MAD), so its null distribution depends only on the series' length
and period: :func:`null` simulates it once per shape on Gaussian noise (seeded, cached), scales each position by its
own 99th percentile, never below the median position's (the ends, whose tails are heavier, get wider bands), and sets the cut at the (1 − ``ALPHA``) quantile of the series' largest scaled
deviation, i.e. about ``ALPHA`` of clean series get any alarm. The tunable ``threshold`` multiplies that cut by
threshold / ``THRESHOLD`` (false-alarm feedback raises it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from statsmodels.tsa.seasonal import STL

from museion.errors import MuseionError

THRESHOLD = 5.0
"""The default of the tunable threshold: at it, the cut is the calibrated one."""
MIN_POINTS = 12
ALPHA = 0.05
"""Share of clean series allowed any alarm by the calibrated cut."""
SIMULATIONS = 400


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
    """Largest position-scaled robust z of the run's residuals (absolute)."""
    expected: float
    observed: float
    """At the run's most extreme point."""
    cut: float = THRESHOLD
    """The cut the score passed."""

    @property
    def severity(self) -> str:
        return "high" if self.score >= 1.75 * self.cut else "medium" if self.score >= 1.2 * self.cut else "low"


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


def robust_z(y: np.ndarray, period: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(expected, z): the robust fit's residuals, centred, over the noise level of :func:`_spread`."""
    expected, residual = residuals(y, period)
    spread = _spread(y, period)
    if spread <= 1e-12:  # a flat series: most points sit exactly on the fit, so any departure is far out
        spread = float(np.mean(np.abs(residual))) or 1.0
    return expected, (residual - np.median(residual)) / spread


@lru_cache(maxsize=64)
def null(n: int, period: int | None) -> tuple[np.ndarray, float]:
    """Per-position spread of :func:`robust_z` on Gaussian noise of this length and period, and the (1 − ``ALPHA``)
    quantile of a clean series' largest position-scaled |z| (seeded: the same shape always gets the same cut)."""
    rng = np.random.default_rng(0)
    z = np.array([robust_z(rng.normal(0.0, 1.0, n), period)[1] for _ in range(SIMULATIONS)])
    scale = np.quantile(np.abs(z), 0.99, axis=0)  # each position's own tail, not its bulk
    scale = np.maximum(scale, np.median(scale))  # never narrower than usual (STL fits a series' first cycle closely)
    return scale, float(np.quantile(np.abs(z / scale).max(axis=1), 1 - ALPHA))


def detect(values: np.ndarray, *, period: int | None = 12, threshold: float = THRESHOLD) -> list[Anomaly]:
    """Anomalous runs of a series (missing points must be filled or dropped by the caller)."""
    y = np.asarray(values, dtype=np.float64)
    if y.size < MIN_POINTS or not np.isfinite(y).all():
        raise TooShort("a KPI series needs at least %(n)s complete points, got %(got)s", n=MIN_POINTS,
                       got=int(np.isfinite(y).sum()))
    fits = bool(period and period >= 2 and y.size >= 2 * period + 1)
    expected, z = robust_z(y, period)
    scale, calibrated = null(int(y.size), period if fits else None)
    z = z / scale
    cut = calibrated * threshold / THRESHOLD
    flagged = np.abs(z) > cut
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
                             float(y[peak]), cut))
        i = j + 1
    return found


def precision_recall(found: list[Anomaly], truth: list[int], tolerance: int = 1) -> tuple[float, float]:
    """An anomaly is right when an injected point lies within ``tolerance`` of its run; recall over injected points."""
    hit = [any(a.start - tolerance <= t <= a.end + tolerance for t in truth) for a in found]
    caught = [any(a.start - tolerance <= t <= a.end + tolerance for a in found) for t in truth]
    return (sum(hit) / len(found) if found else 1.0), (sum(caught) / len(truth) if truth else 1.0)
