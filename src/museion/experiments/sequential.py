"""Sequential statistics valid under peeking (pure): the mixture sequential probability ratio test (mSPRT) of Johari,
Pekelis and Walsh (2017, "Always valid inference: continuous monitoring of A/B tests"), as confidence sequences for the
difference of two means, and sample-size planning.

With a normal mixture N(0, tau^2) over the effect, the likelihood ratio of the observed difference against zero is
Lambda = sqrt(V / (V + tau^2)) * exp(d^2 tau^2 / (2 V (V + tau^2))), V the variance of the difference; rejecting
when Lambda >= 1/alpha keeps the chance of a false positive at most alpha however often one looks (Robbins' mixture
martingale), and inverting it gives an always-valid confidence sequence. Written by hand on numpy/scipy: the maintained
implementation of Howard et al.'s boundaries (``confseq``) ships only a C++ source distribution needing Boost, which
does not build offline here; these formulas are a few lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of one metric's observations (one arm)."""

    n: int
    total: float
    total_sq: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        if self.n < 2:
            return math.nan
        return max((self.total_sq - self.total**2 / self.n) / (self.n - 1), 0.0)

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)


ZERO = Moments(0, 0.0, 0.0)


@dataclass(frozen=True)
class Look:
    """One look at the difference candidate − control: estimate, always-valid interval, and the mixture likelihood ratio."""

    difference: float
    low: float
    high: float
    likelihood_ratio: float
    n_control: int
    n_candidate: int

    @property
    def p_value(self) -> float:
        """The always-valid p-value of this look alone (the sequence's is the running minimum)."""
        return min(1.0, 1.0 / self.likelihood_ratio) if self.likelihood_ratio > 0 else 1.0


def look(control: Moments, candidate: Moments, *, alpha: float, tau: float, floor_variance: float = 1e-12) -> Look | None:
    """The mSPRT look at ``candidate − control``; None until each arm has two observations."""
    if control.n < 2 or candidate.n < 2:
        return None
    if not 0 < alpha < 1 or tau <= 0:
        raise ValueError("alpha must be in (0, 1) and tau positive")
    d = candidate.mean - control.mean
    v = max(candidate.variance / candidate.n + control.variance / control.n, floor_variance)
    t2 = tau * tau
    ratio = math.sqrt(v / (v + t2)) * math.exp(min(d * d * t2 / (2 * v * (v + t2)), 700.0))
    half = math.sqrt(v * (v + t2) / t2 * (2 * math.log(1 / alpha) + math.log((v + t2) / v)))
    return Look(d, d - half, d + half, ratio, control.n, candidate.n)


def half_width(n_per_arm: int, sigma: float, *, alpha: float, tau: float) -> float:
    """The confidence sequence's half-width after ``n_per_arm`` observations per arm of standard deviation ``sigma``."""
    v = 2 * sigma * sigma / n_per_arm
    t2 = tau * tau
    return math.sqrt(v * (v + t2) / t2 * (2 * math.log(1 / alpha) + math.log((v + t2) / v)))


@dataclass(frozen=True)
class SamplePlan:
    baseline: float
    effect: float
    alpha: float
    power: float
    fixed_per_arm: int
    """What a fixed-horizon two-sided z-test needs (looking only once, at the end)."""
    sequential_per_arm: int
    """What the confidence sequence needs to exclude zero with ``power`` when the effect is real (looking any time)."""


def plan_sample(baseline: float, effect: float, *, alpha: float = 0.05, power: float = 0.8, tau: float | None = None,
                limit: int = 50_000_000) -> SamplePlan:
    """Observations per arm to detect an absolute change ``effect`` of a rate ``baseline`` (e.g. click-through)."""
    if not 1e-6 <= baseline <= 1 - 1e-6:  # rarer rates underflow the variance and need no experiment to judge
        raise ValueError("baseline must be a rate between 0.000001 and 0.999999")
    if effect <= 0 or not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("effect must be positive, alpha and power strictly between 0 and 1")
    sigma = math.sqrt(baseline * (1 - baseline))
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    fixed_size = 2 * (z / effect * sigma) ** 2 if sigma > 0 and effect >= 1e-9 else math.inf
    if not fixed_size <= limit:  # also catches inf and nan from extreme rates
        raise ValueError("the effect is too small to detect with a realistic number of members")
    fixed = math.ceil(fixed_size)
    tau = tau or effect
    zp = NormalDist().inv_cdf(power)
    n, hi = 2, 2  # smallest n with effect - zp * sd(d) >= half width (doubling, then bisection)
    while effect - zp * sigma * math.sqrt(2 / hi) < half_width(hi, sigma, alpha=alpha, tau=tau):
        if hi > limit:
            raise ValueError("the effect is too small to detect with a realistic number of members")
        n, hi = hi, hi * 2
    while n < hi:
        mid = (n + hi) // 2
        if effect - zp * sigma * math.sqrt(2 / mid) >= half_width(mid, sigma, alpha=alpha, tau=tau):
            hi = mid
        else:
            n = mid + 1
    return SamplePlan(baseline, effect, alpha, power, fixed, hi)
