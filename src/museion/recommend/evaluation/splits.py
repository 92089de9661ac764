"""Train / validation / test splits over an interaction list, deterministic for a given seed.

Every function returns positions into the list it was given (e.g. the cells of an
:class:`~museion.recommend.interactions.Interactions`, see ``Interactions.cells`` and ``select``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLIT_METHODS = ("ratio-811", "loo", "time")


@dataclass(frozen=True, eq=False, slots=True)
class Split:
    """Sorted positions of the train, validation and test interactions; each position is in exactly one."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    method: str
    seed: int | None = None


def ratio_split(
    members: np.ndarray,
    *,
    seed: int,
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    min_interactions: int = 3,
) -> Split:
    """Per member, shuffle with a seeded RNG and cut by ``ratios`` ("ratio-811" with the default).

    Part sizes follow RecBole's rule, so numbers are comparable with its published tables: valid and
    test get ``floor(ratio × n)`` each, but a member whose train part would keep more than one
    interaction gives a part with ``0 < ratio × n < 1`` one interaction. Members with fewer than
    ``min_interactions`` interactions keep everything in train.
    """
    if len(ratios) != 3 or min(ratios) < 0 or not np.isclose(sum(ratios), 1.0):
        raise ValueError("ratios must be three non-negative numbers that sum to 1")
    members = np.asarray(members, dtype=np.int64)
    shuffle_key = np.random.default_rng(seed).random(len(members))
    rank, sizes = _rank_within_member(members, shuffle_key)
    n = sizes.astype(np.float64)
    n_valid = np.floor(ratios[1] * n).astype(np.int64)
    n_test = np.floor(ratios[2] * n).astype(np.int64)
    n_train = sizes - n_valid - n_test
    for ratio, part in ((ratios[2], n_test), (ratios[1], n_valid)):  # RecBole tops up test, then valid
        bump = (n_train > 1) & (ratio * n > 0) & (ratio * n < 1)
        part += bump
        n_train -= bump
    few = sizes < min_interactions
    n_train[few], n_valid[few] = sizes[few], 0
    return _cut(rank, n_train, n_valid, "ratio-811" if ratios == (0.8, 0.1, 0.1) else "ratio", seed)


def leave_last_out(members: np.ndarray, timestamps: np.ndarray) -> Split:
    """Per member by time: the last interaction → test, the one before → valid, the rest → train.

    Equal timestamps are ordered by position in the list. Members with fewer than 3 interactions keep
    everything in train (each evaluated member keeps at least one training interaction).
    """
    members = np.asarray(members, dtype=np.int64)
    rank, sizes = _rank_within_member(members, np.asarray(timestamps, dtype=np.float64))
    held_out = (sizes >= 3).astype(np.int64)
    return _cut(rank, sizes - 2 * held_out, held_out, "loo", None)


def time_split(timestamps: np.ndarray, *, quantiles: tuple[float, float] = (0.8, 0.9)) -> Split:
    """One global cut in time: before the first quantile → train, between → valid, from the second → test.

    Cuts are instants (``np.quantile`` of all timestamps), so events in the same second never straddle
    a cut; members and works first seen after a cut are cold in that part.
    """
    if not 0 < quantiles[0] <= quantiles[1] < 1:
        raise ValueError("quantiles must satisfy 0 < first <= second < 1")
    stamps = np.asarray(timestamps, dtype=np.float64)
    if len(stamps) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Split(empty, empty, empty, "time")
    first, second = np.quantile(stamps, quantiles)
    part = (stamps >= first).astype(np.int64) + (stamps >= second)
    return Split(*(np.flatnonzero(part == p) for p in range(3)), method="time")


def make_split(method: str, members: np.ndarray, timestamps: np.ndarray | None, *, seed: int) -> Split:
    """Dispatch by name: ``"ratio-811"``, ``"loo"`` or ``"time"`` (the last two need timestamps)."""
    if method == "ratio-811":
        return ratio_split(members, seed=seed)
    if method not in SPLIT_METHODS:
        raise ValueError(f"unknown split {method!r}; choose one of {', '.join(SPLIT_METHODS)}")
    if timestamps is None:
        raise ValueError(f"the {method!r} split needs timestamps")
    return leave_last_out(members, timestamps) if method == "loo" else time_split(timestamps)


def _rank_within_member(members: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every interaction: its 0-based position among its member's interactions ordered by ``key``
    (ties by list position), and that member's interaction count."""
    order = np.lexsort((np.arange(len(members)), key, members))
    sorted_members = members[order]
    starts = np.flatnonzero(np.r_[True, sorted_members[1:] != sorted_members[:-1]])[: len(members)]
    counts = np.diff(np.r_[starts, len(members)]).astype(np.int64)
    rank = np.empty(len(members), dtype=np.int64)
    sizes = np.empty(len(members), dtype=np.int64)
    rank[order] = np.arange(len(members)) - np.repeat(starts, counts)
    sizes[order] = np.repeat(counts, counts)
    return rank, sizes


def _cut(rank: np.ndarray, n_train: np.ndarray, n_valid: np.ndarray, method: str, seed: int | None) -> Split:
    """Assign by rank: the first ``n_train`` of each member → train, the next ``n_valid`` → valid, rest → test."""
    part = (rank >= n_train).astype(np.int64) + (rank >= n_train + n_valid)
    return Split(*(np.flatnonzero(part == p) for p in range(3)), method=method, seed=seed)
