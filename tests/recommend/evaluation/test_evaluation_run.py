"""The evaluation protocol tunes on validation only, refits on train+valid and never sees the test part."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from museion.recommend.evaluation.metrics import ranking_metrics
from museion.recommend.evaluation.run import Holdout, evaluate_models, rank_members, write_split_csv
from museion.recommend.evaluation.splits import ratio_split
from museion.recommend.interactions import Interactions, build_interactions
from museion.recommend.models import ItemKNN


@pytest.fixture(scope="module")
def data() -> tuple[Interactions, csr_matrix]:
    """80 members in 4 taste groups over 48 works, 14 events each; genres = the work's group."""
    rng = np.random.default_rng(11)
    group_of_work = np.arange(48) % 4
    members, works = [], []
    for member in range(80):
        own = np.flatnonzero(group_of_work == member % 4)
        picks = np.concatenate([rng.choice(own, 12, replace=False), rng.choice(48, 2, replace=False)])
        members += [member] * len(picks)
        works += picks.tolist()
    n = len(members)
    interactions = build_interactions(
        np.array(members), np.array(works), np.full(n, "play"), np.ones(n), rng.uniform(0, 1e6, n)
    )
    genres = csr_matrix((np.ones(48), (np.arange(48), group_of_work)))[interactions.work_ids]
    return interactions, genres


def test_grid_is_chosen_on_validation_and_refit_on_train_and_valid(data) -> None:
    interactions, genres = data
    split = ratio_split(interactions.cells()[0], seed=3)
    grids = {"itemknn": {"neighbours": [2, 20], "shrinkage": [0.0]}, "pop": {}}
    reports = evaluate_models(interactions, split, ["itemknn", "pop"], k=5, param_grids=grids, item_genres=genres)
    knn, pop = reports
    assert [r.name for r in reports] == ["itemknn", "pop"]
    assert [p for p, _ in knn.validation] == [{"neighbours": 2, "shrinkage": 0.0}, {"neighbours": 20, "shrinkage": 0.0}]

    holdout = Holdout.from_split(interactions, split)
    scores = []
    for params, reported in knn.validation:  # validation scores are reproducible from train only
        model = ItemKNN(**params).fit(holdout.train.matrix)
        scores.append(ranking_metrics(*rank_members(model, holdout.train, holdout.valid, 5), (5,))["ndcg@5"])
        assert reported == pytest.approx(scores[-1])
    assert knn.params["neighbours"] == [2, 20][int(np.argmax(scores))]

    # the final models were fit on train+valid: popularity counts exclude exactly the test cells
    expected = np.bincount(holdout.train_valid.matrix.indices, minlength=interactions.n_works)
    np.testing.assert_array_equal(pop.model.popularity_, expected)
    assert pop.model.popularity_.sum() == len(split.train) + len(split.valid)

    for report in reports:
        expected = {"ndcg@5", "recall@5", "coverage@5", "gini@5", "arp@5", "aplt@5", "novelty@5", "ild@5"}
        assert set(report.metrics) >= expected
        assert report.fit_seconds >= 0 and report.recommend_seconds > 0
    assert knn.metrics["ndcg@5"] > pop.metrics["ndcg@5"]  # taste groups are learnable; popularity is flat


def test_seed_reaches_seeded_models_and_results_repeat(data) -> None:
    interactions, _ = data
    split = ratio_split(interactions.cells()[0], seed=3)
    grids = {"als": {"factors": [4], "iterations": [2]}}
    first = evaluate_models(interactions, split, ["als"], seed=9, param_grids=grids)[0]
    again = evaluate_models(interactions, split, ["als"], seed=9, param_grids=grids)[0]
    assert first.params["random_state"] == 9
    assert first.metrics == again.metrics


def test_unknown_models_are_refused(data) -> None:
    interactions, _ = data
    with pytest.raises(ValueError, match="unknown model"):
        evaluate_models(interactions, ratio_split(interactions.cells()[0], seed=0), ["magic"])


def test_split_csv_round_trips_the_exact_split(data, tmp_path) -> None:
    interactions, _ = data
    split = ratio_split(interactions.cells()[0], seed=5)
    paths = write_split_csv(tmp_path, interactions, split)
    rows, cols = interactions.cells()
    for part, cells in (("train", split.train), ("valid", split.valid), ("test", split.test)):
        with paths[part].open(newline="") as handle:
            table = list(csv.DictReader(handle))
        assert len(table) == len(cells)
        assert [int(r["member"]) for r in table] == interactions.member_ids[rows[cells]].tolist()
        assert [int(r["work"]) for r in table] == interactions.work_ids[cols[cells]].tolist()
        assert [float(r["timestamp"]) for r in table] == interactions.last_timestamp[cells].tolist()
