"""build_interactions applies the policy exactly as documented; Interactions helpers stay consistent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.recommend.interactions import (
    SECONDS_PER_DAY,
    InteractionPolicy,
    build_interactions,
    matrix_fingerprint,
)

DAY = SECONDS_PER_DAY


def events(*rows: tuple[int, int, str, float, float]) -> tuple[np.ndarray, ...]:
    members, works, kinds, values, stamps = zip(*rows, strict=True)
    return np.array(members), np.array(works), np.array(kinds), np.array(values), np.array(stamps)


def dense(interactions) -> dict[tuple[int, int], float]:
    """{(member id, work id): weight} for readable assertions."""
    rows, cols = interactions.cells()
    return {
        (int(interactions.member_ids[r]), int(interactions.work_ids[c])): float(w)
        for r, c, w in zip(rows, cols, interactions.matrix.data, strict=True)
    }


def test_kinds_threshold_and_duplicates_follow_the_policy() -> None:
    data = events(
        (1, 10, "rating", 4.0, 100.0),
        (1, 10, "view", 0.0, 300.0),  # same cell: weights add, latest timestamp wins
        (1, 11, "rating", 2.5, 100.0),  # below threshold: dropped
        (2, 11, "rating", 3.0, 200.0),  # exactly the threshold: kept
        (2, 12, "share", 1.0, 200.0),  # kind not counted
        (3, 12, "rating", float("nan"), 50.0),  # missing rating: dropped
    )
    result = build_interactions(*data, policy=InteractionPolicy(rating_threshold=3.0))
    assert dense(result) == {(1, 10): 2.0, (2, 11): 1.0}
    assert result.member_ids.tolist() == [1, 2] and result.work_ids.tolist() == [10, 11]
    assert result.last_timestamp.tolist() == [300.0, 200.0]
    assert result.matrix.dtype == np.float32 and result.member_ids.dtype == np.int64
    assert result.matrix.has_canonical_format


def test_configurable_threshold_and_kinds() -> None:
    data = events((1, 10, "rating", 4.0, 0.0), (1, 11, "rating", 4.5, 0.0), (2, 10, "like", 1.0, 0.0))
    result = build_interactions(*data, policy=InteractionPolicy(kinds={"rating": 1.0}, rating_threshold=4.5))
    assert dense(result) == {(1, 11): 1.0}


def test_time_decay_halves_weight_every_half_life() -> None:
    data = events((1, 10, "view", 1.0, 100 * DAY), (1, 11, "view", 1.0, 90 * DAY), (2, 10, "view", 1.0, 80 * DAY))
    result = build_interactions(*data, policy=InteractionPolicy(time_decay_half_life_days=10.0))
    assert dense(result) == pytest.approx({(1, 10): 1.0, (1, 11): 0.5, (2, 10): 0.25})
    later = InteractionPolicy(time_decay_half_life_days=10.0, reference_time=110 * DAY)
    fixed = build_interactions(*data, policy=later)
    assert dense(fixed)[(1, 10)] == pytest.approx(0.5)


def test_decay_without_timestamps_is_refused() -> None:
    members, works, kinds, values, _ = events((1, 10, "view", 1.0, 0.0))
    with pytest.raises(ValueError, match="timestamps"):
        build_interactions(members, works, kinds, values, None, InteractionPolicy(time_decay_half_life_days=7))
    assert build_interactions(members, works, kinds, values, None).last_timestamp is None


def test_k_core_is_iterated_until_stable() -> None:
    # Work 12 has one member → dropped; then member 2 has one work → dropped; then work 11 has one
    # member → dropped; then member 1 has one work → dropped. Only {3, 4} × {10, 13} survives.
    rows = [(1, 10), (1, 11), (2, 11), (2, 12), (3, 10), (3, 13), (4, 10), (4, 13)]
    data = events(*[(m, w, "view", 1.0, 0.0) for m, w in rows])
    result = build_interactions(*data, policy=InteractionPolicy(min_member_interactions=2, min_work_interactions=2))
    assert set(dense(result)) == {(3, 10), (3, 13), (4, 10), (4, 13)}
    assert result.member_ids.tolist() == [3, 4] and result.work_ids.tolist() == [10, 13]


def test_member_filter_is_the_privacy_seam() -> None:
    data = events(*[(m, w, "view", 1.0, 0.0) for m, w in [(1, 10), (2, 10), (2, 11), (3, 11)]])
    seen: list[list[int]] = []

    def consenting(ids: np.ndarray) -> np.ndarray:
        seen.append(ids.tolist())
        return ids != 2

    result = build_interactions(*data, policy=InteractionPolicy(member_filter=consenting))
    assert seen == [[1, 2, 3]]
    assert result.member_ids.tolist() == [1, 3]
    with pytest.raises(ValueError, match="boolean"):
        build_interactions(*data, policy=InteractionPolicy(member_filter=lambda ids: np.ones(1, dtype=bool)))


def test_lookups_history_select_and_fingerprint() -> None:
    data = events((5, 20, "view", 1.0, 1.0), (5, 21, "view", 1.0, 2.0), (7, 21, "view", 1.0, 3.0))
    result = build_interactions(*data)
    assert result.member_rows(np.array([7, 5, 6])).tolist() == [1, 0, -1]
    assert result.work_columns(np.array([21, 99])).tolist() == [1, -1]
    assert result.history(0).toarray().tolist() == [[1.0, 1.0]]
    part = result.select(np.array([2, 0]))
    assert part.matrix.shape == result.matrix.shape
    assert dense(part) == {(5, 20): 1.0, (7, 21): 1.0}
    assert part.last_timestamp.tolist() == [1.0, 3.0]
    assert result.fingerprint() == matrix_fingerprint(result.matrix.tocoo())
    assert part.fingerprint() != result.fingerprint()


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        build_interactions(np.array([1, 2]), np.array([1]), np.array(["view"]), np.array([1.0]), None)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6), st.integers(0, 6), st.sampled_from(["view", "rating", "share"]), st.integers(1, 5)
        ),
        max_size=60,
    ),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_policy_invariants(rows: list[tuple[int, int, str, int]], min_member: int, min_work: int) -> None:
    members = np.array([r[0] for r in rows], dtype=np.int64)
    works = np.array([r[1] for r in rows], dtype=np.int64)
    kinds = np.array([r[2] for r in rows], dtype=object)
    values = np.array([r[3] for r in rows], dtype=np.float64)
    policy = InteractionPolicy(min_member_interactions=min_member, min_work_interactions=min_work)
    result = build_interactions(members, works, kinds, values, np.arange(len(rows), dtype=float), policy)
    matrix = result.matrix
    counted = (kinds == "view") | ((kinds == "rating") & (values >= 3))
    kept_cells = {(m, w) for m, w, c in zip(members, works, counted, strict=True) if c}
    assert set(dense(result)) <= kept_cells
    # Each weight counts the events of its cell; the k-core holds for what remains.
    for (m, w), weight in dense(result).items():
        assert weight == np.sum(counted & (members == m) & (works == w))
    if matrix.nnz:
        assert np.diff(matrix.indptr).min() >= min_member
        assert np.bincount(matrix.indices).min() >= min_work
    assert np.all(np.diff(result.member_ids) > 0) and np.all(np.diff(result.work_ids) > 0)
