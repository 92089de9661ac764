"""Distribution drift between two windows (pure core), with the statistic that fits each variable:

- ``psi``: Population Stability Index over shared bins (categorical or binned numbers); 0.1 is a moderate shift and
  0.25 a large one by the usual rule of thumb (Siddiqi 2006, credit scoring);
- ``js``: Jensen–Shannon distance (base 2, in [0, 1]) of the same binned distributions;
- ``ks``: the two-sample Kolmogorov–Smirnov statistic and its p-value (scipy), for continuous variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import jensenshannon

EPS = 1e-4
"""Floor on a bin's share, so that an empty bin does not make PSI infinite."""


@dataclass(frozen=True)
class Drift:
    variable: str
    psi: float
    js: float
    ks: float | None
    p_value: float | None
    before: int
    after: int

    @property
    def severity(self) -> str | None:
        """None below a moderate shift; medium from PSI 0.1; high from 0.25."""
        return "high" if self.psi >= 0.25 else "medium" if self.psi >= 0.1 else None


def shares(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    counts, _ = np.histogram(values, bins)
    total = counts.sum()
    return np.maximum(counts / total if total else np.zeros(counts.size), EPS)


def psi(before: np.ndarray, after: np.ndarray) -> float:
    """Σ (after − before) · ln(after / before) over bins' shares (both floored at ``EPS``)."""
    return float(np.sum((after - before) * np.log(after / before)))


def compare(variable: str, before: np.ndarray, after: np.ndarray, *, bins: np.ndarray | int = 10,
            continuous: bool = True) -> Drift:
    """PSI and JS over shared bins (edges from both windows' quantiles when ``bins`` is a count), KS if continuous."""
    a, b = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        raise ValueError("both windows need values")
    if isinstance(bins, int):
        edges = np.unique(np.quantile(np.concatenate([a, b]), np.linspace(0, 1, bins + 1)))
        if edges.size < 2:
            edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    else:
        edges = np.asarray(bins, dtype=np.float64)
    p, q = shares(a, edges), shares(b, edges)
    # scipy.stats is imported where it is used: it takes seconds, which every command and server start would pay
    from scipy.stats import ks_2samp

    ks = ks_2samp(a, b) if continuous else None
    return Drift(variable, psi(p, q), float(jensenshannon(p, q, base=2)), None if ks is None else float(ks.statistic),
                 None if ks is None else float(ks.pvalue), int(a.size), int(b.size))


@dataclass(frozen=True)
class VolumeDeparture:
    key: str
    latest: int
    usual: float
    """Median of the earlier runs."""


def volume_departures(history: dict[str, list[int]], *, factor: float = 3.0, min_runs: int = 3) -> list[VolumeDeparture]:
    """Keys (e.g. an import's entity and source) whose latest volume is ``factor`` times above or below the median of
    at least ``min_runs`` earlier ones (``history[key]`` oldest first)."""
    found = []
    for key, volumes in history.items():
        if len(volumes) <= min_runs:
            continue
        latest, usual = volumes[-1], float(np.median(volumes[:-1]))
        if usual > 0 and (latest > factor * usual or latest < usual / factor):
            found.append(VolumeDeparture(key, int(latest), usual))
    return found
