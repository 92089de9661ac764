"""Differentially private counts and histograms through OpenDP, and a pure epsilon budget ledger.

Privacy unit: one member. Each member's rows are cut to their first ``max_contributions`` (in the order
given) before counting, so adding or removing a member changes at most that many rows, and OpenDP's
stability map turns that into the sensitivity it calibrates noise to. Noise is OpenDP's discrete
Laplace (geometric) mechanism on integer counts (pure epsilon-DP, ``then_laplace`` on integers).
Categories are supplied by the caller, never read from the data, so no key leaks; rows whose key is
not a listed category are dropped. The ledger composes releases sequentially: epsilons add up.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from museion.errors import MuseionError

MECHANISM = "discrete Laplace (OpenDP make_count* >> then_laplace on integers, pure epsilon-DP)"


class BudgetExceeded(MuseionError):
    """A charge would take the ledger past its total epsilon; nothing was charged."""

    def __init__(self, purpose: str, requested: float, remaining: float, total: float) -> None:
        self.requested, self.remaining, self.total = requested, remaining, total
        super().__init__(f"privacy budget exceeded: {purpose!r} needs epsilon={requested:g} but only "
                         f"epsilon={remaining:g} of {total:g} remains; nothing was charged")


def _exact(epsilon: float) -> Fraction:
    """The decimal the caller wrote (shortest repr), so 0.7 + 0.2 + 0.1 spends exactly 1.0."""
    return Fraction(repr(float(epsilon)))


def _check_epsilon(epsilon: float) -> None:
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a positive finite number, got {epsilon!r}")


@dataclass(frozen=True)
class Spend:
    """One charge against the budget."""

    epsilon: float
    purpose: str


@dataclass
class PrivacyBudget:
    """Total epsilon and the spends against it (sequential composition: spent = sum of spends).

    Sums are kept in exact rationals, so the ledger can never go negative through rounding.
    """

    total_epsilon: float
    spends: list[Spend] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_epsilon(self.total_epsilon)

    @property
    def spent(self) -> float:
        return float(self._spent())

    @property
    def remaining(self) -> float:
        return float(_exact(self.total_epsilon) - self._spent())

    def _spent(self) -> Fraction:
        return sum((_exact(s.epsilon) for s in self.spends), Fraction(0))

    def can_afford(self, epsilon: float) -> bool:
        return self._spent() + _exact(epsilon) <= _exact(self.total_epsilon)

    def charge(self, epsilon: float, purpose: str) -> Spend:
        """Record a spend, or raise BudgetExceeded (naming what remains) and change nothing."""
        _check_epsilon(epsilon)
        if not self.can_afford(epsilon):
            raise BudgetExceeded(purpose, epsilon, self.remaining, self.total_epsilon)
        spend = Spend(float(epsilon), purpose)
        self.spends.append(spend)
        return spend


@dataclass(frozen=True)
class Release:
    """Noisy counts (one per category) with the epsilon spent and the error to expect.

    With probability ``confidence``, each count is within ``error_bound`` of the true (bounded) count.
    """

    categories: tuple[Hashable, ...]
    counts: np.ndarray
    epsilon: float
    scale: float
    error_bound: float
    confidence: float
    max_contributions: int
    mechanism: str = MECHANISM

    def as_dict(self) -> dict[Hashable, int]:
        return dict(zip(self.categories, self.counts.tolist(), strict=True))


def bound_contributions(members: Sequence[Hashable] | np.ndarray, max_contributions: int) -> np.ndarray:
    """Mask keeping each member's first ``max_contributions`` rows (in the order given)."""
    if max_contributions < 1:
        raise ValueError(f"max_contributions must be at least 1, got {max_contributions}")
    if isinstance(members, np.ndarray):
        codes = np.unique(members, return_inverse=True)[1].reshape(-1).astype(np.int64)
    else:
        index: dict[Hashable, int] = {}
        codes = np.fromiter((index.setdefault(m, len(index)) for m in members), dtype=np.int64, count=len(members))
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(codes) else codes
    rank = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    keep = np.empty(len(codes), dtype=bool)
    keep[order] = rank < max_contributions
    return keep


def dp_count(members: Sequence[Hashable], *, epsilon: float, max_contributions: int = 1,
             confidence: float = 0.95, budget: PrivacyBudget | None = None, purpose: str = "count") -> Release:
    """Noisy number of rows, one member id per row, each member counted at most ``max_contributions`` times."""
    rows = int(bound_contributions(members, max_contributions).sum())
    return _release("count", np.zeros(rows, dtype=np.int64), ("rows",), epsilon=epsilon, max_contributions=max_contributions,
                    confidence=confidence, budget=budget, purpose=purpose)


def dp_histogram(keys: Sequence[Hashable], members: Sequence[Hashable], categories: Sequence[Hashable], *,
                 epsilon: float, max_contributions: int = 1, confidence: float = 0.95,
                 budget: PrivacyBudget | None = None, purpose: str = "histogram") -> Release:
    """Noisy count of rows per category; ``keys[i]`` is row i's category, ``members[i]`` whose row it is.

    For a cross-tabulation (plays per genre per region) use tuple keys and
    ``categories=list(itertools.product(genres, regions))``. Rows with unlisted keys are dropped before
    each member's rows are cut to ``max_contributions``.
    """
    if len(keys) != len(members):
        raise ValueError(f"{len(keys)} keys but {len(members)} members: give one member per row")
    labels = tuple(categories)
    index = {c: i for i, c in enumerate(labels)}
    if len(index) != len(labels):
        raise ValueError("categories must be distinct")
    codes = np.fromiter((index.get(key, -1) for key in keys), dtype=np.int64, count=len(keys))
    listed = np.flatnonzero(codes >= 0).tolist()
    return dp_histogram_of_codes(codes[listed], [members[i] for i in listed], labels, epsilon=epsilon,
                                 max_contributions=max_contributions, confidence=confidence, budget=budget, purpose=purpose)


def dp_histogram_of_codes(codes: np.ndarray, members: Sequence[Hashable] | np.ndarray, categories: tuple[Hashable, ...], *,
                          epsilon: float, max_contributions: int = 1, confidence: float = 0.95,
                          budget: PrivacyBudget | None = None, purpose: str = "histogram") -> Release:
    """``dp_histogram`` for rows already coded: ``codes[i]`` indexes ``categories`` (every code listed), so
    large releases pass arrays straight through without a Python loop per row."""
    if len(codes) != len(members):
        raise ValueError(f"{len(codes)} codes but {len(members)} members: give one member per row")
    if len(codes) and not (0 <= codes.min() and codes.max() < len(categories)):
        raise ValueError(f"codes must index the {len(categories)} categories")
    data = np.ascontiguousarray(codes[bound_contributions(members, max_contributions)], dtype=np.int64)
    return _release("categories", data, categories, epsilon=epsilon, max_contributions=max_contributions,
                    confidence=confidence, budget=budget, purpose=purpose)


def _transformation(kind: str, categories: int) -> Any:
    """OpenDP's stable count (``count``) or count per category (``categories``) over vectors of i64 codes.

    OpenDP is imported module by module: its ``prelude`` pulls in scikit-learn and SciPy, which took
    7-8 s per process, paid by the first release of each CLI run or server worker."""
    from opendp import domains, metrics, transformations
    from opendp.mod import enable_features

    enable_features("contrib")
    rows = domains.vector_domain(domains.atom_domain(T="i64")), metrics.symmetric_distance()
    if kind == "count":
        return transformations.make_count(*rows)
    return transformations.make_count_by_categories(*rows, categories=list(range(categories)), null_category=False)


@functools.lru_cache(maxsize=256)
def _calibrated_scale(kind: str, categories: int, max_contributions: int, epsilon: float) -> float:
    """The smallest noise scale that keeps a release within ``epsilon``, searched once per shape of release:
    the search builds dozens of measurements, and its answer depends on the shape, never on the data."""
    from opendp import measurements
    from opendp.mod import binary_search_param

    transformation = _transformation(kind, categories)
    return float(binary_search_param(lambda scale: transformation >> measurements.then_laplace(scale),
                                     d_in=max_contributions, d_out=epsilon))


def _release(kind: str, data: np.ndarray, categories: tuple[Hashable, ...], *, epsilon: float,
             max_contributions: int, confidence: float, budget: PrivacyBudget | None, purpose: str) -> Release:
    """Calibrate discrete Laplace noise to ``epsilon`` over the ``kind`` of count, charge the budget, release."""
    from opendp import measurements
    from opendp.accuracy import discrete_laplacian_scale_to_accuracy

    _check_epsilon(epsilon)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    scale = _calibrated_scale(kind, len(categories), max_contributions, float(epsilon))
    release = _transformation(kind, len(categories)) >> measurements.then_laplace(scale)
    spent = float(release.map(max_contributions))
    if budget is not None:
        budget.charge(spent, purpose)  # before any noise is drawn; raises and releases nothing if over
    return Release(
        categories=categories, counts=np.atleast_1d(np.asarray(release(data), dtype=np.int64)), epsilon=spent,
        scale=scale, error_bound=float(discrete_laplacian_scale_to_accuracy(scale, 1.0 - confidence)),
        confidence=confidence, max_contributions=max_contributions)
