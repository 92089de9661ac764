"""Re-rankers: λ = 0 keeps the model's order, each moves its own measure the right way, specs round-trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from museion.fairness import metrics as fm
from museion.fairness.rerank import PARAMS, RerankContext, RerankError, RerankSpec, rerank
from museion.fairness.serving import Reranked, version_spec
from museion.recommend.evaluation.metrics import intra_list_diversity
from museion.recommend.models import ContentBased, MostPopular

N_ITEMS = 12
# items 0–3 are very popular (head), 4–7 middling, 8–11 rare; genres alternate between two kinds
POPULARITY = np.array([40, 35, 30, 25, 8, 7, 6, 5, 1, 1, 1, 1], dtype=np.float32)
GENRES = csr_matrix(np.array([[1, 0] if i % 4 < 2 else [0, 1] for i in range(N_ITEMS)], dtype=np.float32))


def train_matrix() -> csr_matrix:
    rows = np.concatenate([np.arange(int(p)) for p in POPULARITY])
    cols = np.repeat(np.arange(N_ITEMS), POPULARITY.astype(int))
    return csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(40, N_ITEMS))


@pytest.fixture
def case() -> tuple[np.ndarray, np.ndarray, RerankContext, csr_matrix]:
    items = np.array([[0, 1, 2, 3, 4, 8, 5, 9, 6, 10], [1, 0, 3, 2, 5, 4, 9, 8, 7, 11]])
    scores = -np.arange(10, dtype=np.float32)[None, :].repeat(2, axis=0)
    histories = csr_matrix(np.array([[0] * 10 + [1, 1], [0] * 8 + [1, 1, 0, 0]], dtype=np.float32))  # members like genre 1
    return items, scores, RerankContext.from_training(train_matrix(), GENRES), histories


@pytest.mark.parametrize("name", list(PARAMS))
def test_zero_strength_keeps_the_model_order_and_output_is_deterministic(name: str, case) -> None:  # noqa: ANN001
    items, scores, context, histories = case
    assert rerank(RerankSpec(name, 0.0), items, scores, 5, context, histories).tolist() == items[:, :5].tolist()
    once = rerank(RerankSpec(name, 0.7), items, scores, 5, context, histories)
    assert once.tolist() == rerank(RerankSpec(name, 0.7), items, scores, 5, context, histories).tolist()
    for row, chosen in enumerate(once):
        assert len(set(chosen.tolist())) == 5 and set(chosen.tolist()) <= set(items[row].tolist())


def test_each_reranker_moves_its_own_measure(case) -> None:  # noqa: ANN001
    items, scores, context, histories = case
    tail = context.group_names.index("tail")
    tiers = np.array(context.group_names, dtype=object)[context.item_groups]
    base = items[:, :5]
    xquad = rerank(RerankSpec("xquad", 1.0), items, scores, 5, context, histories)
    assert fm.long_tail_share(xquad, tiers == "tail", 5) > fm.long_tail_share(base, tiers == "tail", 5)
    assert (context.item_groups[xquad] == tail).any(axis=1).all()
    longtail = rerank(RerankSpec("longtail", 0.9), items, scores, 5, context)
    assert POPULARITY[longtail].mean() < POPULARITY[base].mean()
    by_tier = csr_matrix(np.eye(3, dtype=np.float32)[np.arange(N_ITEMS) // 4])  # the model's top 3 share one genre
    mmr = rerank(RerankSpec("mmr", 0.9), items, scores, 3, RerankContext.from_training(train_matrix(), by_tier))
    assert intra_list_diversity(mmr, by_tier) > intra_list_diversity(items[:, :3], by_tier) == 0.0
    calibrated = rerank(RerankSpec("calibrated", 0.9), items, scores, 5, context, histories)
    assert np.nanmean(fm.miscalibration(histories, calibrated, GENRES, 5)) < np.nanmean(fm.miscalibration(histories, base, GENRES, 5))


def test_specs_validate_and_round_trip() -> None:
    spec = RerankSpec("xquad", 0.5, {"saturation": 1.0})
    assert spec.params == {**PARAMS["xquad"], "saturation": 1.0}
    assert RerankSpec.from_dict(spec.as_dict()) == spec
    assert version_spec({"l2": 200.0}) is None and version_spec({"rerank": spec.as_dict()}) == spec
    for bad, message in ((lambda: RerankSpec("fair", 0.5), "unknown re-ranker"), (lambda: RerankSpec("mmr", 1.5), r"\[0, 1\]"),
                         (lambda: RerankSpec("mmr", 0.5, {"saturation": 1}), "no parameter"),
                         (lambda: RerankSpec("xquad", 0.5, {"target": "everyone"}), "target"),
                         (lambda: RerankSpec.from_dict({"name": "mmr"}), "name, strength")):
        with pytest.raises(RerankError, match=message):
            bad()
    with pytest.raises(RerankError, match="genres"):
        rerank(RerankSpec("mmr", 0.5), np.array([[0, 1]]), np.array([[1.0, 0.5]]), 2, RerankContext.from_training(train_matrix()))
    with pytest.raises(RerankError, match="histories"):
        rerank(RerankSpec("calibrated", 0.5), np.array([[0, 1]]), np.array([[1.0, 0.5]]), 2, RerankContext.from_training(train_matrix(), GENRES))


def test_the_serving_wrapper_reranks_and_keeps_the_model_identity() -> None:
    train = train_matrix()
    model = MostPopular().fit(train)
    wrapped = Reranked(model, RerankSpec("longtail", 1.0, {"depth": 12}), RerankContext.from_training(train, GENRES))
    items, scores = wrapped.recommend(np.array([0]), csr_matrix((1, N_ITEMS), dtype=np.float32), 3)
    assert items[0].tolist() == [8, 9, 10]  # rarest first; ties keep the model's order
    assert scores[0].tolist() == pytest.approx(model.score(np.array([0]), csr_matrix((1, N_ITEMS)))[0][[8, 9, 10]])
    assert wrapped.name == "pop" and wrapped.rule == "popular" and isinstance(wrapped, MostPopular)
    assert not isinstance(wrapped, ContentBased)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(list(PARAMS)), st.floats(0, 1), st.integers(1, 8), st.integers(0, 2**16))
def test_any_strength_returns_k_distinct_candidates(name: str, strength: float, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    items = np.stack([rng.permutation(N_ITEMS)[:10] for _ in range(3)])
    items[0, 7:] = -1  # a short candidate list is padded, never invented
    scores = np.sort(rng.random((3, 10)))[:, ::-1].copy()
    histories = csr_matrix((rng.random((3, N_ITEMS)) < 0.3).astype(np.float32))
    out = rerank(RerankSpec(name, strength), items, scores, k, RerankContext.from_training(train_matrix(), GENRES), histories)
    assert out.shape == (3, k)
    for row in range(3):
        chosen = out[row][out[row] >= 0].tolist()
        valid = set(items[row][items[row] >= 0].tolist())
        assert len(chosen) == len(set(chosen)) == min(k, len(valid)) and set(chosen) <= valid
