"""On the real MovieLens latest-small ratings the personalised models clearly beat popularity."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from museion.recommend.evaluation.run import evaluate_models
from museion.recommend.evaluation.splits import ratio_split
from museion.recommend.interactions import InteractionPolicy, build_interactions
from museion.recommend.models import MostPopular
from museion.recommend.serve import Fallback, recommend_for_member

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("MUSEION_DATASETS_DIR") or REPO.parent / "shared" / "data")
RATINGS = DATASETS / "movielens-latest-small" / "ratings.csv"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RATINGS.is_file(), reason=f"MovieLens latest-small not found at {RATINGS}"),
]


def test_personalised_models_beat_popularity_on_movielens() -> None:
    table = np.loadtxt(RATINGS, delimiter=",", skiprows=1)
    policy = InteractionPolicy(kinds={"rating": 1.0}, min_member_interactions=5, min_work_interactions=5)
    kinds = np.full(len(table), "rating")
    interactions = build_interactions(table[:, 0], table[:, 1], kinds, table[:, 2], table[:, 3], policy)
    assert interactions.matrix.shape == (608, 3012) and interactions.matrix.nnz == 72402
    split = ratio_split(interactions.cells()[0], seed=2024)
    grids = {
        "pop": {},
        "itemknn": {"neighbours": [50], "shrinkage": [10.0]},
        "als": {"regularization": [0.1]},
        "ease": {"l2": [200.0]},
    }
    with threadpool_limits(1, "blas"):  # steady on small shared machines
        reports = evaluate_models(interactions, split, list(grids), param_grids=grids, seed=2024)
    by_name = {r.name: r for r in reports}
    ndcg = {name: r.metrics["ndcg@10"] for name, r in by_name.items()}
    assert ndcg["pop"] == pytest.approx(0.122, abs=0.01)
    assert min(ndcg["itemknn"], ndcg["als"]) > 1.4 * ndcg["pop"]
    assert ndcg["ease"] > 0.26 and ndcg["ease"] == max(ndcg.values())

    fallback = Fallback.from_model(MostPopular().fit(interactions.matrix))
    result = recommend_for_member(by_name["ease"].model, interactions, 0, 10, fallback=fallback, verb="watched")
    assert result.personalised and len(result.items) == 10
    assert all(r.explanation.reason.startswith("Because you watched work ") for r in result.items)
