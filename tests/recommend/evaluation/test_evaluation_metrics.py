"""Ranking metrics agree with ranx; every metric keeps its documented invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from museion.recommend.evaluation.metrics import (
    RANKING_METRICS,
    beyond_accuracy,
    evaluate_rankings,
    gini,
    hits,
    intra_list_diversity,
    long_tail_mask,
    per_member_metrics,
    ranking_metrics,
)


def relevance(sets: list[list[int]], n_items: int) -> csr_matrix:
    rows = [r for r, items in enumerate(sets) for _ in items]
    cols = [i for items in sets for i in items]
    return csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(sets), n_items))


def test_hand_computed_example() -> None:
    recommended = np.array([[3, 1, 4, 0], [2, 0, 1, -1], [0, 1, 2, 3]])
    relevant = relevance([[1, 0, 7], [5], []], 8)
    got = ranking_metrics(recommended, relevant, (4,))
    # member 0: hits at ranks 2 and 4, |R| = 3; member 1: no hit; member 2 has nothing relevant (ignored)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert got["precision@4"] == pytest.approx((2 / 4 + 0) / 2)
    assert got["recall@4"] == pytest.approx((2 / 3 + 0) / 2)
    assert got["ndcg@4"] == pytest.approx((dcg / idcg) / 2)
    assert got["map@4"] == pytest.approx(((1 / 2 + 2 / 4) / 3) / 2)
    assert got["mrr@4"] == pytest.approx((1 / 2) / 2)
    assert got["hit_rate@4"] == pytest.approx(0.5)
    assert hits(recommended, relevant).tolist()[0] == [False, True, False, True]


def random_case(seed: int, n_members: int = 40, n_items: int = 60, depth: int = 15) -> tuple[np.ndarray, csr_matrix]:
    """Random relevance (0–8 items per member) and rankings, some ending in -1 padding."""
    rng = np.random.default_rng(seed)
    sets = [rng.choice(n_items, rng.integers(0, 9), replace=False).tolist() for _ in range(n_members)]
    recommended = np.array([rng.permutation(n_items)[:depth] for _ in range(n_members)])
    for row in rng.choice(n_members, n_members // 4, replace=False):
        recommended[row, rng.integers(depth // 2, depth) :] = -1
    return recommended, relevance(sets, n_items)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 5, 10])
def test_ranking_metrics_match_ranx(seed: int, k: int) -> None:
    from ranx import Qrels, Run, evaluate

    recommended, relevant = random_case(seed)
    members = np.flatnonzero(np.diff(relevant.indptr))
    qrels = Qrels({f"m{r}": {f"i{i}": 1 for i in relevant[r].indices} for r in members})
    # ranx ranks by score; strictly decreasing scores reproduce our order exactly
    ranked = {f"m{r}": {f"i{i}": float(100 - rank) for rank, i in enumerate(recommended[r]) if i >= 0} for r in members}
    run = Run(ranked)
    names = [f"{metric}@{k}" for metric in RANKING_METRICS]
    expected = evaluate(qrels, run, names)
    got = ranking_metrics(recommended, relevant, (k,))
    assert got == pytest.approx({name: float(expected[name]) for name in names}, rel=1e-9, abs=1e-12)


rankings = st.integers(0, 10_000).map(lambda seed: random_case(seed, n_members=12, n_items=20, depth=12))


@settings(max_examples=60, deadline=None)
@given(rankings, st.integers(1, 12))
def test_ranking_metrics_are_probabilities(case: tuple[np.ndarray, csr_matrix], k: int) -> None:
    for values in per_member_metrics(*case, k).values():
        assert np.all((values >= 0) & (values <= 1 + 1e-12))


@settings(max_examples=60, deadline=None)
@given(rankings)
def test_recall_and_hit_rate_never_drop_as_k_grows(case: tuple[np.ndarray, csr_matrix]) -> None:
    previous = None
    for k in range(1, 13):
        metrics = per_member_metrics(*case, k)
        current = np.stack([metrics[f"recall@{k}"], metrics[f"hit_rate@{k}"]])
        if previous is not None:
            assert np.all(current >= previous - 1e-12)
        previous = current


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 29), min_size=1, max_size=6, unique=True), min_size=1, max_size=8),
    st.integers(6, 12),
)
def test_perfect_rankings_score_one(sets: list[list[int]], k: int) -> None:
    relevant = relevance(sets, 30)
    recommended = np.array([items + [i for i in range(30) if i not in items][: 12 - len(items)] for items in sets])
    metrics = per_member_metrics(recommended, relevant, k)
    for name in ("recall", "ndcg", "map", "mrr", "hit_rate"):
        assert metrics[f"{name}@{k}"] == pytest.approx(np.ones(len(sets))), name
    assert metrics[f"precision@{k}"] == pytest.approx([len(s) / k for s in sets])


def test_members_without_relevant_items_are_not_averaged() -> None:
    recommended = np.array([[0, 1], [2, 3]])
    assert ranking_metrics(recommended, relevance([[0], []], 4), (2,))["hit_rate@2"] == 1.0
    assert math.isnan(ranking_metrics(recommended, relevance([[], []], 4), (2,))["ndcg@2"])
    with pytest.raises(ValueError, match="at least 3"):
        ranking_metrics(recommended, relevance([[0], []], 4), (3,))


def test_beyond_accuracy_hand_computed() -> None:
    popularity = np.array([10, 8, 1, 0, 1])  # head = top 20% of 5 items = 1 item: item 0
    recommended = np.array([[0, 1], [2, -1]])
    genres = csr_matrix(np.array([[1, 0], [1, 1], [0, 1], [0, 0], [1, 0]], dtype=float))
    got = beyond_accuracy(recommended, k=2, item_popularity=popularity, n_members=10, item_genres=genres)
    info = -np.log2((popularity + 1) / 11)
    assert got["coverage@2"] == pytest.approx(3 / 5)
    assert got["arp@2"] == pytest.approx(((10 + 8) / 2 + 1) / 2)
    assert got["aplt@2"] == pytest.approx((0.5 + 1.0) / 2)
    assert got["novelty@2"] == pytest.approx(((info[0] + info[1]) / 2 + info[2]) / 2)
    assert got["gini@2"] == pytest.approx(gini(np.array([1, 1, 1, 0, 0])))
    assert got["ild@2"] == pytest.approx(1 - 1 / math.sqrt(2))  # only member 0 has a pair
    assert long_tail_mask(popularity).tolist() == [False, True, True, True, True]


def test_gini_extremes() -> None:
    assert gini(np.array([3, 3, 3, 3])) == 0.0
    assert gini(np.array([0, 0, 0, 5])) == pytest.approx(0.75)
    assert gini(np.zeros(4)) == 0.0


@settings(max_examples=60, deadline=None)
@given(rankings, st.integers(1, 12))
def test_beyond_accuracy_ranges(case: tuple[np.ndarray, csr_matrix], k: int) -> None:
    recommended, _ = case
    rng = np.random.default_rng(k)
    popularity = rng.integers(0, 30, 20)
    genres = csr_matrix((rng.random((20, 5)) < 0.4).astype(float))
    got = beyond_accuracy(recommended, k=k, item_popularity=popularity, n_members=30, item_genres=genres)
    assert 0 < got[f"coverage@{k}"] <= 1
    assert 0 <= got[f"gini@{k}"] <= 1
    assert 0 <= got[f"aplt@{k}"] <= 1
    assert got[f"novelty@{k}"] >= 0
    assert popularity.min() <= got[f"arp@{k}"] <= popularity.max()
    if k > 1:
        assert 0 <= got[f"ild@{k}"] <= 1 + 1e-12


def test_identical_genres_give_zero_diversity() -> None:
    genres = csr_matrix(np.ones((4, 3)))
    assert intra_list_diversity(np.array([[0, 1, 2]]), genres) == pytest.approx(0.0)


def test_evaluate_rankings_combines_both_families_on_evaluated_members() -> None:
    recommended = np.array([[0, 1], [2, 3]])
    got = evaluate_rankings(recommended, relevance([[0], []], 4), k=2, item_popularity=np.ones(4), n_members=2)
    assert got["hit_rate@2"] == 1.0 and got["coverage@2"] == 0.5  # member 1 is not evaluated
