"""Member × work interaction matrices built from event arrays under an explicit, auditable policy.

Everything here is pure: parallel numpy arrays in, an :class:`Interactions` value out. Timestamps are
seconds since the Unix epoch (float64) throughout the recommender and evaluation code.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
from scipy.sparse import csr_matrix

SECONDS_PER_DAY = 86_400.0
DEFAULT_KINDS = frozenset({"rating", "play", "purchase", "like", "view"})
AUTO_CORE_LARGEST = 5
AUTO_CORE_SHARE = 0.8
"""The automatic k-core is the largest k from AUTO_CORE_LARGEST down to 1 that keeps at least AUTO_CORE_SHARE of the
members who have a counted interaction (k = 1 keeps everyone, so there is always one)."""


@dataclass(frozen=True, slots=True)
class InteractionPolicy:
    """Which events count as positive signals and how they are weighted and filtered.

    Order of application: event kind → rating threshold → ``member_filter`` → kind weight × time decay →
    combine duplicate cells → iterative k-core.
    """

    kinds: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(DEFAULT_KINDS, 1.0))
    """Event kinds that count, each with the weight one event of it adds to its cell; every other kind is ignored."""
    rating_threshold: float = 3.0
    """Explicit ratings with ``value >= rating_threshold`` become implicit positives; lower ones are dropped."""
    time_decay_half_life_days: float | None = None
    """When set, each event's kind weight is multiplied by ``0.5 ** (age_days / half_life)``; ``None``: no decay."""
    reference_time: float | None = None
    """Epoch seconds that ages are measured from; ``None`` means the latest event in the data (reproducible)."""
    min_member_interactions: int = 1
    """k-core: members with fewer distinct works are dropped (repeated until nothing changes)."""
    min_work_interactions: int = 1
    """k-core: works with fewer distinct members are dropped (repeated until nothing changes)."""
    auto_core: bool = False
    """Choose the k-core from the data (see AUTO_CORE_SHARE); the built policy records the k it chose in both minimums."""
    member_filter: Callable[[np.ndarray], np.ndarray] | None = field(default=None, compare=False)
    """Privacy seam: gets the distinct member ids and returns a boolean mask of the members whose events
    may be used (e.g. those who consented to personalisation). ``None`` keeps every member."""

    def __post_init__(self) -> None:
        if not self.kinds:
            raise ValueError("name at least one event kind that counts")
        bad = [kind for kind, weight in self.kinds.items() if not (isinstance(weight, int | float) and math.isfinite(weight) and weight > 0)]
        if bad:
            raise ValueError(f"kind weights must be positive numbers: {', '.join(sorted(bad))}")
        object.__setattr__(self, "kinds", MappingProxyType({kind: float(self.kinds[kind]) for kind in sorted(self.kinds)}))
        if self.time_decay_half_life_days is not None and self.time_decay_half_life_days <= 0:
            raise ValueError("time_decay_half_life_days must be positive or None")
        if self.min_member_interactions < 1 or self.min_work_interactions < 1:
            raise ValueError("k-core minimums must be at least 1")


@dataclass(frozen=True, eq=False, slots=True)
class Interactions:
    """A members × works float32 CSR matrix plus the database ids behind its rows and columns.

    ``member_ids`` and ``work_ids`` are sorted int64 arrays (row → member id, column → work id);
    ``last_timestamp``, when present, is aligned with ``matrix.data`` (the latest event of each cell).
    """

    matrix: csr_matrix
    member_ids: np.ndarray
    work_ids: np.ndarray
    last_timestamp: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.matrix.shape != (len(self.member_ids), len(self.work_ids)):
            raise ValueError("matrix shape must be (len(member_ids), len(work_ids))")
        if self.last_timestamp is not None and len(self.last_timestamp) != self.matrix.nnz:
            raise ValueError("last_timestamp must have one entry per stored cell")

    @property
    def n_members(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_works(self) -> int:
        return self.matrix.shape[1]

    def member_rows(self, member_ids: np.ndarray) -> np.ndarray:
        """Row index of each member id, or -1 for members not in the matrix."""
        return _positions(self.member_ids, member_ids)

    def work_columns(self, work_ids: np.ndarray) -> np.ndarray:
        """Column index of each work id, or -1 for works not in the matrix."""
        return _positions(self.work_ids, work_ids)

    def history(self, row: int) -> csr_matrix:
        """One member's row as a 1 × n_works CSR matrix, built without scipy's slow fancy indexing."""
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        return csr_matrix(
            (self.matrix.data[start:end], self.matrix.indices[start:end], np.array([0, end - start])),
            shape=(1, self.n_works),
        )

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """The interaction list in CSR order: (member row, work column) of every stored cell."""
        rows = np.repeat(np.arange(self.n_members, dtype=np.int64), np.diff(self.matrix.indptr))
        return rows, self.matrix.indices.astype(np.int64)

    def select(self, cells: np.ndarray) -> Interactions:
        """Same rows and columns, keeping only the given cell positions (e.g. a train split)."""
        cells = np.sort(np.asarray(cells, dtype=np.int64))
        rows, _ = self.cells()
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[cells], minlength=self.n_members))])
        matrix = csr_matrix(
            (self.matrix.data[cells], self.matrix.indices[cells], indptr), shape=self.matrix.shape
        )
        stamps = None if self.last_timestamp is None else self.last_timestamp[cells]
        return Interactions(matrix, self.member_ids, self.work_ids, stamps)

    def fingerprint(self) -> str:
        """sha256 of the matrix content; see :func:`matrix_fingerprint`."""
        return matrix_fingerprint(self.matrix)


def matrix_fingerprint(matrix: csr_matrix) -> str:
    """sha256 over shape, indptr, indices and data in canonical dtypes, so a model can name its training data."""
    canonical = matrix.tocsr(copy=True)
    canonical.sum_duplicates()
    canonical.sort_indices()
    digest = hashlib.sha256()
    digest.update(np.asarray(canonical.shape, dtype=np.int64).tobytes())
    digest.update(canonical.indptr.astype(np.int64).tobytes())
    digest.update(canonical.indices.astype(np.int64).tobytes())
    digest.update(canonical.data.astype(np.float32).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Step:
    """What one filter of the policy left: ``count`` events (member–work pairs from ``pairs`` on) of ``members`` members."""

    name: str
    count: int
    members: int


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Interactions built under a policy, with the policy as applied (the k-core it chose) and what each filter left.

    ``steps`` are, in order: given, kinds, rating_threshold, member_filter (only when set), pairs, k_core.
    ``suggested_core`` is the automatic rule's k when a fixed k-core kept fewer than AUTO_CORE_SHARE of the members.
    """

    interactions: Interactions
    policy: InteractionPolicy
    steps: tuple[Step, ...]
    suggested_core: int | None = None


def build_interactions(member_ids: np.ndarray, work_ids: np.ndarray, kinds: np.ndarray, values: np.ndarray,
                       timestamps: np.ndarray | None, policy: InteractionPolicy = InteractionPolicy()) -> Interactions:
    """Turn one-entry-per-event arrays into an :class:`Interactions` matrix under ``policy`` (see :func:`apply_policy`)."""
    return apply_policy(member_ids, work_ids, kinds, values, timestamps, policy).interactions


def apply_policy(member_ids: np.ndarray, work_ids: np.ndarray, kinds: np.ndarray, values: np.ndarray,
                 timestamps: np.ndarray | None, policy: InteractionPolicy = InteractionPolicy()) -> PolicyResult:
    """Build the interactions and say what each filter of the policy left.

    ``values`` only matters for ``"rating"`` events; every counted event weighs its kind's weight before decay.
    Duplicate (member, work) cells combine: weights add up, the latest timestamp wins.
    """
    member_ids = np.asarray(member_ids, dtype=np.int64)
    work_ids = np.asarray(work_ids, dtype=np.int64)
    kinds = np.asarray(kinds).astype(str)
    values = np.asarray(values, dtype=np.float64)
    n = len(member_ids)
    if not (len(work_ids) == len(kinds) == len(values) == n):
        raise ValueError("member_ids, work_ids, kinds and values must have the same length")
    if timestamps is not None:
        timestamps = np.asarray(timestamps, dtype=np.float64)
        if len(timestamps) != n:
            raise ValueError("timestamps must have one entry per event")
    elif policy.time_decay_half_life_days is not None:
        raise ValueError("time decay needs timestamps")

    distinct, member_codes = np.unique(member_ids, return_inverse=True)
    steps = [_step("given", member_codes, np.ones(n, dtype=bool), len(distinct))]
    keep = np.isin(kinds, list(policy.kinds))
    steps.append(_step("kinds", member_codes, keep, len(distinct)))
    keep &= (kinds != "rating") | (values >= policy.rating_threshold)
    steps.append(_step("rating_threshold", member_codes, keep, len(distinct)))
    if policy.member_filter is not None:
        keep &= _allowed_members(distinct, member_codes, policy.member_filter)
        steps.append(_step("member_filter", member_codes, keep, len(distinct)))

    weights = np.ones(n, dtype=np.float64)
    for kind, weight in policy.kinds.items():
        if weight != 1.0:
            weights[kinds == kind] = weight
    if policy.time_decay_half_life_days is not None and keep.any():
        assert timestamps is not None
        reference = policy.reference_time if policy.reference_time is not None else timestamps[keep].max()
        age_days = np.maximum(reference - timestamps, 0.0) / SECONDS_PER_DAY
        weights *= 0.5 ** (age_days / policy.time_decay_half_life_days)

    members, works = member_ids[keep], work_ids[keep]
    stamps = None if timestamps is None else timestamps[keep]
    members, works, weights, stamps = _combine_cells(members, works, weights[keep], stamps)
    steps.append(Step("pairs", len(members), _distinct_sorted(members)))
    if policy.auto_core:
        k = choose_core(members, works)
        policy = replace(policy, min_member_interactions=k, min_work_interactions=k)
    core = _k_core(members, works, policy.min_member_interactions, policy.min_work_interactions)
    steps.append(Step("k_core", int(core.sum()), _distinct_sorted(members[core])))
    suggested = None
    if not policy.auto_core and steps[-1].members < AUTO_CORE_SHARE * steps[-2].members:
        suggested = choose_core(members, works)
    members, works, weights = members[core], works[core], weights[core]
    stamps = None if stamps is None else stamps[core]

    member_index, rows = np.unique(members, return_inverse=True)
    work_index, cols = np.unique(works, return_inverse=True)
    # Cells are sorted by (member id, work id) and ids map monotonically to indices: already canonical CSR.
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(member_index)))])
    matrix = csr_matrix(
        (weights.astype(np.float32), cols.astype(np.int32), indptr),
        shape=(len(member_index), len(work_index)),
    )
    interactions = Interactions(matrix, member_index.astype(np.int64), work_index.astype(np.int64), stamps)
    return PolicyResult(interactions, policy, tuple(steps), suggested)


def choose_core(members: np.ndarray, works: np.ndarray) -> int:
    """The automatic k-core for distinct member–work pairs sorted by member: see AUTO_CORE_SHARE."""
    wanted = AUTO_CORE_SHARE * _distinct_sorted(members)
    for k in range(AUTO_CORE_LARGEST, 1, -1):
        if _distinct_sorted(members[_k_core(members, works, k, k)]) >= wanted:
            return k
    return 1


def _step(name: str, member_codes: np.ndarray, keep: np.ndarray, n_members: int) -> Step:
    return Step(name, int(keep.sum()), int(np.count_nonzero(np.bincount(member_codes[keep], minlength=n_members))))


def _distinct_sorted(ids: np.ndarray) -> int:
    """How many distinct values a sorted array holds."""
    return int(len(ids) and np.count_nonzero(ids[1:] != ids[:-1]) + 1)


def _positions(sorted_ids: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Index of each query id in a sorted id array, -1 when absent."""
    query = np.asarray(query, dtype=np.int64)
    if len(sorted_ids) == 0:
        return np.full(query.shape, -1, dtype=np.int64)
    pos = np.clip(np.searchsorted(sorted_ids, query), 0, len(sorted_ids) - 1)
    return np.where(sorted_ids[pos] == query, pos, -1).astype(np.int64)


def _allowed_members(distinct: np.ndarray, inverse: np.ndarray, member_filter: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Per-event mask from the privacy filter, which sees each distinct member id once."""
    allowed = np.asarray(member_filter(distinct))
    if allowed.dtype != np.bool_ or allowed.shape != distinct.shape:
        raise ValueError("member_filter must return one boolean per member id it is given")
    return allowed[inverse]


def _combine_cells(
    members: np.ndarray, works: np.ndarray, weights: np.ndarray, stamps: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Merge events of the same (member, work): sum of weights, max timestamp; output sorted by cell."""
    if len(members) == 0:
        return members, works, weights, stamps
    order = np.lexsort((works, members))
    members, works, weights = members[order], works[order], weights[order]
    new_cell = np.ones(len(members), dtype=bool)
    new_cell[1:] = (members[1:] != members[:-1]) | (works[1:] != works[:-1])
    starts = np.flatnonzero(new_cell)
    combined_stamps = None if stamps is None else np.maximum.reduceat(stamps[order], starts)
    return members[starts], works[starts], np.add.reduceat(weights, starts), combined_stamps


def _k_core(members: np.ndarray, works: np.ndarray, min_member: int, min_work: int) -> np.ndarray:
    """Mask of cells that survive iterative removal of sparse members and works."""
    keep = np.ones(len(members), dtype=bool)
    if min_member <= 1 and min_work <= 1:
        return keep
    _, m_idx = np.unique(members, return_inverse=True)
    _, w_idx = np.unique(works, return_inverse=True)
    while True:
        member_counts = np.bincount(m_idx[keep], minlength=m_idx.max(initial=-1) + 1)
        work_counts = np.bincount(w_idx[keep], minlength=w_idx.max(initial=-1) + 1)
        still = keep & (member_counts[m_idx] >= min_member) & (work_counts[w_idx] >= min_work)
        if np.array_equal(still, keep):
            return keep
        keep = still
