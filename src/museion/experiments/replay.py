"""Offline replay (pure): a candidate's online click-through estimated from lists another version served, before any
member sees the candidate, by inverse propensity scoring under the position-based click model (Craswell et al. 2008;
Li et al. 2018, "Offline evaluation of ranking policies with click models"). A click on work w shown at logged
position p is reweighted by theta(q) / theta(p), q being w's position in the candidate's list for the same member,
theta the examination probability per position; works the candidate ranks but the log never showed contribute
nothing (so the estimate is conservative: ``overlap`` says how much of the candidate's lists the log covers).
Weights are clipped at ``clip`` to bound the variance; the variance of the estimate is the per-list sample variance
over n."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def examination(k: int) -> np.ndarray:
    """Examination probability per position, 1/log2(position + 2) (the DCG attention model)."""
    return 1.0 / np.log2(np.arange(k) + 2)


@dataclass(frozen=True)
class ReplayEstimate:
    lists: int
    logged_clicks: float
    """Mean attributed clicks at k per logged list (the logging version's own online value)."""
    logged_se: float
    candidate_clicks: float
    """The IPS estimate of the candidate's mean clicks at k per list."""
    candidate_se: float
    variance: float
    overlap: float
    """Share of the candidate's list slots that the logged lists showed (where the estimate has evidence)."""


def ips(logged: list[list[int]], clicked: list[set[int]], candidate: list[list[int]], *, k: int,
        theta: np.ndarray | None = None, clip: float = 10.0) -> ReplayEstimate:
    """Replay ``candidate`` lists against ``logged`` ones (the same members, in the same order) and their clicks."""
    if len(logged) != len(candidate) or len(logged) != len(clicked):
        raise ValueError("logged, clicked and candidate must describe the same lists")
    if not logged:
        raise ValueError("no logged list to replay: serve lists first, or widen the period")
    theta = examination(k) if theta is None else np.asarray(theta, dtype=float)
    own, estimate = np.zeros(len(logged)), np.zeros(len(logged))
    covered = slots = 0
    for i, (shown, hits, proposed) in enumerate(zip(logged, clicked, candidate, strict=True)):
        logged_at = {w: p for p, w in enumerate(shown[:k])}
        own[i] = sum(1.0 for w in hits if w in logged_at)
        for q, w in enumerate(proposed[:k]):
            slots += 1
            if w in logged_at:
                covered += 1
                if w in hits:
                    estimate[i] += min(theta[q] / theta[logged_at[w]], clip)
    n = len(logged)
    se = lambda x: float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan  # noqa: E731
    return ReplayEstimate(n, float(own.mean()), se(own), float(estimate.mean()), se(estimate),
                          float(estimate.var(ddof=1) / n) if n > 1 else math.nan, covered / slots if slots else 0.0)
