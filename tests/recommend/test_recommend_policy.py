"""The interaction policy per version: kind weights shape the matrix, each filter's counts, the automatic k-core."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_recommend_interactions import dense, events

from museion.recommend.interactions import (
    AUTO_CORE_LARGEST,
    AUTO_CORE_SHARE,
    DEFAULT_KINDS,
    SECONDS_PER_DAY,
    InteractionPolicy,
    apply_policy,
    build_interactions,
)
from museion.recommend.policy_settings import DEFAULT_POLICY


def test_kind_weights_shape_the_matrix() -> None:
    data = events((1, 10, "borrow", 0.0, 0.0), (1, 10, "visit", 0.0, 0.0), (1, 11, "visit", 0.0, 0.0), (2, 11, "borrow", 0.0, 0.0),
                  (2, 12, "view", 1.0, 0.0))
    weighted = build_interactions(*data, policy=InteractionPolicy(kinds={"borrow": 1.0, "visit": 0.3}))
    assert dense(weighted) == pytest.approx({(1, 10): 1.3, (1, 11): 0.3, (2, 11): 1.0})  # views are not counted here
    equal = build_interactions(*data, policy=InteractionPolicy(kinds={"borrow": 1, "visit": 1}))
    assert dense(equal) == {(1, 10): 2.0, (1, 11): 1.0, (2, 11): 1.0}
    assert weighted.fingerprint() != equal.fingerprint()


def test_weights_multiply_with_time_decay() -> None:
    data = events((1, 10, "visit", 0.0, 100 * SECONDS_PER_DAY), (1, 11, "visit", 0.0, 90 * SECONDS_PER_DAY),
                  (1, 11, "borrow", 0.0, 100 * SECONDS_PER_DAY))
    result = build_interactions(*data, policy=InteractionPolicy(kinds={"borrow": 2.0, "visit": 0.5}, time_decay_half_life_days=10.0))
    assert dense(result) == pytest.approx({(1, 10): 0.5, (1, 11): 0.25 + 2.0})


def test_todays_defaults_are_kept_exactly() -> None:
    assert dict(InteractionPolicy().kinds) == dict.fromkeys(DEFAULT_KINDS, 1.0)
    assert DEFAULT_POLICY == InteractionPolicy(min_member_interactions=5, min_work_interactions=5)
    assert DEFAULT_POLICY.rating_threshold == 3.0 and not DEFAULT_POLICY.auto_core
    rng = np.random.default_rng(1)
    n = 400
    kinds = rng.choice(["rating", "view", "play", "share", "borrow"], n)
    data = (rng.integers(0, 30, n), rng.integers(0, 20, n), kinds, rng.integers(1, 6, n).astype(float), rng.uniform(0, 1e6, n))
    # every counted event weighs 1, as before weights existed: each cell is its number of counted events
    result = build_interactions(*data, policy=DEFAULT_POLICY)
    counted = np.isin(kinds, list(DEFAULT_KINDS)) & ((kinds != "rating") | (data[3] >= 3.0))
    for (m, w), weight in dense(result).items():
        assert weight == np.sum(counted & (data[0] == m) & (data[1] == w))


def test_the_policy_is_checked_and_cannot_change_under_a_version() -> None:
    with pytest.raises(ValueError, match="at least one event kind"):
        InteractionPolicy(kinds={})
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="visit"):
            InteractionPolicy(kinds={"borrow": 1.0, "visit": bad})
    policy = InteractionPolicy(kinds={"visit": 1, "borrow": 2})
    assert list(policy.kinds) == ["borrow", "visit"] and policy.kinds["borrow"] == 2.0
    with pytest.raises(TypeError):
        policy.kinds["view"] = 1.0  # type: ignore[index]


def test_each_filter_says_what_it_left() -> None:
    data = events((1, 10, "borrow", 0.0, 0.0), (1, 10, "borrow", 0.0, 1.0), (1, 11, "rating", 2.0, 0.0), (2, 11, "rating", 4.0, 0.0),
                  (3, 12, "share", 1.0, 0.0), (2, 10, "borrow", 0.0, 0.0))
    result = apply_policy(*data, policy=InteractionPolicy(kinds={"borrow": 1.0, "rating": 1.0}, min_member_interactions=2,
                                                          min_work_interactions=1))
    assert [(s.name, s.count, s.members) for s in result.steps] == [
        ("given", 6, 3), ("kinds", 5, 2), ("rating_threshold", 4, 2), ("pairs", 3, 2), ("k_core", 2, 1)]
    assert result.interactions.member_ids.tolist() == [2]
    assert result.suggested_core == 1  # the 2-core kept 1 of 2 members: under the automatic rule's share
    steps = apply_policy(*data, policy=InteractionPolicy(member_filter=lambda ids: ids != 3)).steps
    assert [s.name for s in steps] == ["given", "kinds", "rating_threshold", "member_filter", "pairs", "k_core"]


def small_library() -> tuple[np.ndarray, ...]:
    """Six members: five read 2–4 of five books, one read a single book nobody else read (ids: members 1…, books 10…)."""
    loans = {1: [10, 11, 12, 13], 2: [10, 11, 12], 3: [11, 12, 13], 4: [10, 13], 5: [12, 13, 14], 6: [20]}
    rows = [(m, w, "borrow", 0.0, 0.0) for m, works in loans.items() for w in works]
    return events(*rows)


def test_the_default_five_core_leaves_a_small_library_nothing_and_says_what_would_keep_it() -> None:
    result = apply_policy(*small_library(), policy=InteractionPolicy(kinds={"borrow": 1.0}, min_member_interactions=5,
                                                                     min_work_interactions=5))
    assert result.interactions.matrix.nnz == 0 and result.steps[-1].count == 0
    assert result.suggested_core == 2
    assert apply_policy(*small_library(), policy=InteractionPolicy(kinds={"borrow": 1.0}, min_member_interactions=2,
                                                                   min_work_interactions=2)).steps[-1].members == 5


def test_the_automatic_k_core_picks_the_largest_that_keeps_most_members() -> None:
    result = apply_policy(*small_library(), policy=InteractionPolicy(kinds={"borrow": 1.0}, auto_core=True))
    assert result.policy.auto_core and (result.policy.min_member_interactions, result.policy.min_work_interactions) == (2, 2)
    assert result.steps[-1].members == 5 and result.suggested_core is None  # 5 of 6 members ≥ 80%
    assert result.interactions.n_members == 5


def _members_kept(members: np.ndarray, works: np.ndarray, k: int) -> int:
    kinds = np.full(len(members), "view")
    policy = InteractionPolicy(min_member_interactions=k, min_work_interactions=k)
    return build_interactions(members, works, kinds, np.ones(len(members)), None, policy).n_members


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=80))
def test_the_automatic_rule_holds_on_any_data(pairs: list[tuple[int, int]]) -> None:
    members = np.array([p[0] for p in pairs], dtype=np.int64)
    works = np.array([p[1] for p in pairs], dtype=np.int64)
    result = apply_policy(members, works, np.full(len(pairs), "view"), np.ones(len(pairs)), None, InteractionPolicy(auto_core=True))
    k = result.policy.min_member_interactions
    everyone = len(np.unique(members))
    assert 1 <= k <= AUTO_CORE_LARGEST and result.policy.min_work_interactions == k
    assert result.interactions.n_members == _members_kept(members, works, k) >= AUTO_CORE_SHARE * everyone
    for larger in range(k + 1, AUTO_CORE_LARGEST + 1):
        assert _members_kept(members, works, larger) < AUTO_CORE_SHARE * everyone
