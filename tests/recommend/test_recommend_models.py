"""Every model honours the contract; each one computes what its docstring says, checked independently."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from implicit.nearest_neighbours import CosineRecommender
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from museion.recommend.models import (
    ALS,
    BPR,
    EASE,
    MODELS,
    ContentBased,
    ItemKNN,
    MostPopular,
    NotFitted,
    Recommender,
    Trending,
    top_k,
)
from museion.recommend.models.content import tfidf_profiles

SMALL = {
    "als": {"factors": 8, "iterations": 5},
    "bpr": {"factors": 8, "iterations": 20},
    "itemknn": {"neighbours": 10},
    "ease": {"l2": 10.0},
}


def fitted(name: str, synthetic, **params) -> Recommender:
    data = synthetic.interactions
    model = MODELS[name](**(SMALL.get(name, {}) | params))
    return model.fit(data.matrix, item_features=synthetic.features, timestamps=data.last_timestamp)


def top_positive(keys: np.ndarray, values: np.ndarray, top: int) -> list[tuple[int, float]]:
    """Reference selection: the largest positive values, ties by position."""
    return [(int(keys[j]), float(values[j])) for j in np.argsort(-values, kind="stable")[:top] if values[j] > 0]


def assert_contributions(got: list[tuple[int, float]], expected: list[tuple[int, float]], rel: float = 1e-5) -> None:
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert [w for _, w in got] == pytest.approx([w for _, w in expected], rel=rel, abs=1e-9)


def all_rows(synthetic) -> tuple[np.ndarray, csr_matrix]:
    matrix = synthetic.interactions.matrix
    return np.arange(matrix.shape[0]), matrix


@pytest.mark.parametrize("name", sorted(MODELS))
def test_same_data_and_seed_give_identical_recommendations(name: str, synthetic) -> None:
    rows, matrix = all_rows(synthetic)
    first = fitted(name, synthetic).recommend(rows, matrix, 5)
    second = fitted(name, synthetic).recommend(rows, matrix, 5)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("name", ["als", "bpr"])
def test_seed_matters_for_factor_models(name: str, synthetic) -> None:
    a, b = fitted(name, synthetic, random_state=1), fitted(name, synthetic, random_state=2)
    assert not np.array_equal(a.item_factors_, b.item_factors_)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_contract_shapes_exclusions_and_candidates(name: str, synthetic) -> None:
    model = fitted(name, synthetic)
    rows, matrix = all_rows(synthetic)
    n_items = matrix.shape[1]
    assert model.n_items == n_items
    assert model.score(rows[:3], matrix[:3]).shape == (3, n_items)
    items, scores = model.recommend(rows, matrix, 5)
    assert items.shape == scores.shape == (len(rows), 5) and items.dtype == np.int64
    assert np.all(np.diff(scores, axis=1) <= 0)
    seen = matrix.toarray() > 0
    assert not seen[rows[:, None], items].any()
    unseen, _ = model.recommend(rows, matrix, 5, exclude_seen=False)
    np.testing.assert_array_equal(unseen, top_k(model.score(rows, matrix), 5)[0])
    allowed = np.arange(0, n_items, 3)
    restricted, _ = model.recommend(rows, matrix, 5, candidates=allowed)
    assert np.isin(restricted[restricted >= 0], allowed).all()
    padded, padded_scores = model.recommend(rows[:2], matrix[:2], n_items + 3)
    assert (padded[:, -3:] == -1).all() and np.isneginf(padded_scores[:, -3:]).all()
    assert set(model.get_params()) == set(type(model)().get_params())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_explanations_come_from_the_history_with_positive_weights(name: str, synthetic) -> None:
    model = fitted(name, synthetic)
    matrix = synthetic.interactions.matrix
    items, _ = model.recommend(np.array([4]), matrix[4], 3)
    history = set(matrix[4].indices.tolist())
    for item in items[0]:
        why = model.explain(4, matrix[4], int(item), top=3)
        assert len(why) <= 3
        assert all(index in history and weight > 0 for index, weight in why)
        assert [w for _, w in why] == sorted((w for _, w in why), reverse=True)
        if model.rule is None:
            assert why, f"{name} gave no reason for a recommended item"
        else:
            assert why == []
    together = model.explain_many(4, matrix[4], items[0])
    one_by_one = [model.explain(4, matrix[4], int(i)) for i in items[0]]
    assert [[i for i, _ in why] for why in together] == [[i for i, _ in why] for why in one_by_one]
    assert [[w for _, w in why] for why in together] == [pytest.approx([w for _, w in why]) for why in one_by_one]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_unfitted_models_refuse_to_work(name: str) -> None:
    with pytest.raises(NotFitted):
        MODELS[name]().recommend(np.array([0]), csr_matrix((1, 3)), 2)


def test_inputs_are_checked(synthetic) -> None:
    model = fitted("pop", synthetic)
    rows, matrix = all_rows(synthetic)
    with pytest.raises(ValueError, match="shape"):
        model.score(rows[:2], matrix[:3])
    with pytest.raises(ValueError, match="timestamps"):
        MostPopular().fit(matrix, timestamps=np.zeros(3))
    with pytest.raises(ValueError, match="k must"):
        model.recommend(rows, matrix, 0)
    duplicated = csr_matrix((np.ones(2), np.array([1, 1]), np.array([0, 2])), shape=(1, 3))
    with pytest.raises(ValueError, match="canonical"):
        Trending().fit(duplicated, timestamps=np.zeros(2))
    assert MostPopular().fit(duplicated).popularity_.tolist() == [0.0, 1.0, 0.0]
    assert duplicated.nnz == 2  # the caller's matrix is left alone


def test_personalised_models_recover_the_clusters(synthetic) -> None:
    """On clustered data every personalised model should mostly recommend from the member's cluster."""
    rows, matrix = all_rows(synthetic)
    for name in ("itemknn", "als", "ease", "content"):
        items, _ = fitted(name, synthetic).recommend(rows, matrix, 2)
        share = np.mean(synthetic.cluster_of_work[items] == synthetic.cluster_of_member[:, None])
        assert share > 0.8, name


# -- top_k --------------------------------------------------------------------------------------


def test_top_k_breaks_ties_by_lower_index_and_pads() -> None:
    scores = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    items, values = top_k(scores, 2)
    assert items.tolist() == [[1, 2], [0, 1]]
    assert values.tolist() == [[3.0, 3.0], [0.0, 0.0]]
    excluded = csr_matrix(np.array([[0, 1, 0, 0, 0], [1, 1, 1, 0, 0]]))
    items, _ = top_k(scores, 3, exclude=excluded, candidates=np.array([True, True, True, True, False]))
    assert items.tolist() == [[2, 3, 0], [3, -1, -1]]


@settings(max_examples=80, deadline=None)
@given(
    arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 12)), elements=st.sampled_from([0.0, 1.0, -1.0])),
    st.integers(1, 15),
)
def test_top_k_equals_a_full_stable_sort(scores: np.ndarray, k: int) -> None:
    items, values = top_k(scores, k)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    kept = min(k, scores.shape[1])
    np.testing.assert_array_equal(items[:, :kept], expected)
    np.testing.assert_array_equal(values[:, :kept], np.take_along_axis(scores, expected, axis=1))


# -- popularity ---------------------------------------------------------------------------------


def test_most_popular_counts_members_once() -> None:
    matrix = csr_matrix(np.array([[5, 1, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32))
    model = MostPopular().fit(matrix)
    assert model.popularity_.tolist() == [2.0, 2.0, 0.0]
    assert model.recommend(np.array([0]), csr_matrix((1, 3)), 3)[0].tolist() == [[0, 1, 2]]


def test_trending_prefers_recent_interest() -> None:
    matrix = csr_matrix(np.array([[1, 1], [1, 0], [0, 1]], dtype=np.float32))
    day = 86_400.0
    # item 0: two old interactions (60 days), item 1: two fresh ones (0 and 1 day)
    stamps = np.array([40 * day, 100 * day, 40 * day, 99 * day])
    model = Trending(half_life_days=30.0).fit(matrix, timestamps=stamps)
    assert model.popularity_ == pytest.approx([0.5 ** 2 * 2, 1 + 0.5 ** (1 / 30)])
    assert model.recommend(np.array([0]), csr_matrix((1, 2)), 1)[0].tolist() == [[1]]
    with pytest.raises(ValueError, match="timestamps"):
        Trending().fit(matrix)


# -- ItemKNN ------------------------------------------------------------------------------------


def brute_force_similarity(matrix: csr_matrix, neighbours: int, shrinkage: float) -> np.ndarray:
    dense = matrix.toarray().astype(np.float64)
    norms = np.linalg.norm(dense, axis=0)
    sims = dense.T @ dense / (np.outer(norms, norms) + shrinkage + 1e-12)
    np.fill_diagonal(sims, 0.0)
    keep = np.zeros_like(sims)
    for i, row in enumerate(sims):
        best = np.argsort(-row, kind="stable")[:neighbours]
        keep[i, best] = row[best]
    return np.where(keep > 0, keep, 0.0)


@pytest.mark.parametrize("shrinkage", [0.0, 5.0])
def test_itemknn_keeps_each_items_top_cosine_neighbours(synthetic, shrinkage: float) -> None:
    matrix = synthetic.interactions.matrix
    model = ItemKNN(neighbours=6, shrinkage=shrinkage).fit(matrix)
    expected = brute_force_similarity(matrix, 6, shrinkage)
    got = model.similarity_.toarray()
    # the neighbour values are exact; the neighbour sets may differ only among equal similarities
    np.testing.assert_allclose(np.sort(got, axis=1), np.sort(expected, axis=1), rtol=1e-5, atol=1e-7)
    assert (np.count_nonzero(got, axis=1) <= 6).all() and np.all(np.diag(got) == 0)
    rows, _ = all_rows(synthetic)
    np.testing.assert_allclose(model.score(rows, matrix), matrix.toarray() @ got, rtol=1e-5)


def test_itemknn_explanation_is_similarity_times_weight(synthetic) -> None:
    matrix = synthetic.interactions.matrix
    model = ItemKNN(neighbours=10).fit(matrix)
    target = int(model.recommend(np.array([0]), matrix[0], 1)[0][0, 0])
    sims = model.similarity_.toarray()[:, target] * matrix[0].toarray().ravel()
    assert_contributions(model.explain(0, matrix[0], target), top_positive(np.arange(len(sims)), sims, 3))


@pytest.mark.filterwarnings("ignore:Method expects CSR input")  # raised inside implicit's own fit
def test_itemknn_matches_implicit_cosine_with_one_more_slot_for_self() -> None:
    rng = np.random.default_rng(3)  # continuous weights: no ties between neighbour similarities
    matrix = csr_matrix((rng.random((50, 30)) < 0.2) * rng.random((50, 30)), dtype=np.float32)
    ours = ItemKNN(neighbours=7).fit(matrix)
    peer = CosineRecommender(K=8)
    peer.fit(matrix, show_progress=False)
    rows = np.arange(50)
    peer_ids, peer_scores = peer.recommend(rows, matrix, N=5)
    _, our_scores = ours.recommend(rows, matrix, 5)
    np.testing.assert_allclose(our_scores, peer_scores, rtol=1e-5, atol=1e-6)


# -- factorisation ------------------------------------------------------------------------------


def raw_implicit(cls, matrix: csr_matrix, **params):
    with threadpool_limits(1, "blas"):
        model = cls(**params)
        model.fit(matrix, show_progress=False)
    return model


def test_als_wraps_implicit_exactly(synthetic) -> None:
    matrix = synthetic.interactions.matrix
    params = {"factors": 8, "regularization": 0.05, "alpha": 4.0, "iterations": 4, "random_state": 11}
    ours = ALS(**params).fit(matrix)
    raw = raw_implicit(AlternatingLeastSquares, matrix, **params)
    np.testing.assert_array_equal(ours.item_factors_, raw.item_factors)
    np.testing.assert_array_equal(ours.user_factors_, raw.user_factors)


def test_als_explanation_equals_implicits_explain() -> None:
    rng = np.random.default_rng(5)
    matrix = csr_matrix((rng.random((40, 25)) < 0.3) * rng.integers(1, 4, (40, 25)), dtype=np.float32)
    params = {"factors": 6, "regularization": 0.1, "alpha": 2.0, "iterations": 3, "random_state": 0}
    ours = ALS(**params).fit(matrix)
    raw = raw_implicit(AlternatingLeastSquares, matrix, **params)
    for member, item in [(0, 3), (7, 20), (12, 1)]:
        _, expected, _ = raw.explain(0, matrix[member], item, N=4)
        got = ours.explain(member, matrix[member], item, top=4)
        assert_contributions(got, [(i, s) for i, s in expected if s > 0], rel=1e-4)


def test_bpr_wraps_implicit_and_explains_by_latent_similarity(synthetic) -> None:
    matrix = synthetic.interactions.matrix
    params = {"factors": 8, "learning_rate": 0.05, "iterations": 10, "random_state": 3}
    ours = BPR(**params).fit(matrix)
    raw = raw_implicit(BayesianPersonalizedRanking, matrix, num_threads=1, **params)
    np.testing.assert_array_equal(ours.item_factors_, raw.item_factors)
    latent = ours.item_factors_[:, :-1].astype(np.float64)
    history = matrix[2].indices
    contribution = latent[history] @ latent[9]
    assert_contributions(ours.explain(2, matrix[2], 9, top=2), top_positive(history, contribution, 2))


# -- EASE ---------------------------------------------------------------------------------------


def test_ease_is_the_closed_form(synthetic) -> None:
    matrix = synthetic.interactions.matrix
    model = EASE(l2=7.0).fit(matrix)
    dense = matrix.toarray().astype(np.float64)
    inverse = np.linalg.inv(dense.T @ dense + 7.0 * np.eye(dense.shape[1]))
    expected = np.eye(dense.shape[1]) - inverse / np.diag(inverse)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(model.weights_, expected, rtol=1e-4, atol=1e-6)
    assert model.weights_.flags.c_contiguous
    history = matrix[1].indices
    target = int(model.recommend(np.array([1]), matrix[1], 1)[0][0, 0])
    contribution = expected[history, target]
    assert_contributions(model.explain(1, matrix[1], target), top_positive(history, contribution, 3), rel=1e-4)


# -- content ------------------------------------------------------------------------------------


def test_tfidf_profiles_are_unit_rows_weighted_by_rarity() -> None:
    features = csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 0, 1], [0, 0, 0]], dtype=np.float32))
    profiles = tfidf_profiles(features).toarray()
    assert np.linalg.norm(profiles[:3], axis=1) == pytest.approx([1, 1, 1])
    assert (profiles[3] == 0).all()
    assert profiles[0, 1] > profiles[0, 0]  # the rarer term weighs more


def test_content_recommends_cold_works_and_names_shared_terms() -> None:
    # work 3 has no interactions at all but shares the "noir" term (1) with the member's history.
    features = csr_matrix(np.array([[1, 1, 0], [0, 0, 1], [0, 0, 1], [0, 1, 0]], dtype=np.float32))
    matrix = csr_matrix(np.array([[1, 0, 0, 0], [0, 1, 1, 0]], dtype=np.float32))
    model = ContentBased().fit(matrix, item_features=features)
    items, _ = model.recommend(np.array([0]), matrix[0], 1)
    assert items.tolist() == [[3]]
    profiles = tfidf_profiles(features).toarray()
    assert model.explain(0, matrix[0], 3) == [(0, pytest.approx(profiles[0] @ profiles[3]))]
    terms = model.explain_terms(matrix[0], 3)
    assert [term for term, _ in terms] == [1]
    with pytest.raises(ValueError, match="item_features"):
        ContentBased().fit(matrix)
