"""The parameter search: ranges where peers find their best, validation only, defaults first, cost reported."""

from __future__ import annotations

import numpy as np
import pytest

from museion.recommend.evaluation.run import evaluate_models
from museion.recommend.evaluation.search import BUDGETS, SPACES, Dimension, search
from museion.recommend.evaluation.splits import Split, ratio_split
from museion.recommend.interactions import Interactions
from museion.recommend.models import MODELS


def test_ranges_cover_where_peers_find_their_best() -> None:
    als = SPACES["als"]
    assert als["regularization"].low <= 1e-3 and als["regularization"].high >= 10  # implicit users tune up to 10+
    assert als["alpha"].high >= 40 and als["alpha"].log and als["regularization"].log
    assert max(als["factors"].choices) >= 256 and als["iterations"].high >= 50
    assert SPACES["ease"]["l2"].log and SPACES["ease"]["l2"].high / SPACES["ease"]["l2"].low >= 1e4
    assert SPACES["itemknn"]["neighbours"].high >= 1000 and SPACES["itemknn"]["shrinkage"].high >= 100
    assert set(SPACES["rp3beta"]) == {"alpha", "beta", "neighbours"}
    assert set(BUDGETS) == set(SPACES)
    for name, space in SPACES.items():  # every searched name is a real parameter of its model
        assert set(space) <= set(MODELS[name]().get_params())


def test_the_defaults_are_the_first_trial(synthetic) -> None:
    data = synthetic.interactions
    split = ratio_split(data.cells()[0], seed=1)
    train, valid = data.select(split.train), data.select(split.valid)
    found = search("itemknn", train, valid, k=5, seed=3, trials=4)
    assert found.trials[0][0] == {"neighbours": 100, "shrinkage": 0.0, "weighting": "cosine", "bm25_k1": 1.2, "bm25_b": 0.75}
    assert len(found.trials) == 4 and found.params in [p for p, _ in found.trials]
    assert found.trials[[p for p, _ in found.trials].index(found.params)][1] == max(s for _, s in found.trials)
    assert found.cost()["trials"] == 4 and found.cost()["chosen_on"] == "validation"
    again = search("itemknn", train, valid, k=5, seed=3, trials=4)
    assert again.trials == found.trials  # seeded: the same trials in the same order


def test_a_fixed_space_searches_only_what_is_left(synthetic) -> None:
    data = synthetic.interactions
    split = ratio_split(data.cells()[0], seed=1)
    found = search("rp3beta", data.select(split.train), data.select(split.valid), k=5, trials=3,
                   space={"beta": Dimension(0.0, 1.0)})
    assert all(set(p) == {"beta"} for p, _ in found.trials)


def _with_test_part(split: Split, test: np.ndarray) -> Split:
    return Split(split.train, split.valid, np.sort(test), split.method, split.seed)


def test_the_test_part_never_touches_the_search(synthetic) -> None:
    """Same train and validation parts, different test parts: the search sees and chooses exactly the same."""
    data: Interactions = synthetic.interactions
    split = ratio_split(data.cells()[0], seed=5)
    half = _with_test_part(split, split.test[::2])  # the other half of the test cells simply leave the data
    kept = np.sort(np.concatenate([split.train, split.valid, half.test]))
    reduced = data.select(kept)
    positions = {int(p): i for i, p in enumerate(kept)}
    reduced_split = Split(*(np.array([positions[int(p)] for p in part]) for part in (split.train, split.valid, half.test)),
                          method=split.method, seed=split.seed)
    full = evaluate_models(data, split, ["als"], k=5, seed=2, trials=4)[0]
    other = evaluate_models(reduced, reduced_split, ["als"], k=5, seed=2, trials=4)[0]
    assert full.validation == other.validation and full.params == other.params
    assert full.search["method"] == "optuna-tpe" and full.search["trials"] == 4
    assert full.metrics != other.metrics  # the test parts differ, so what they report does


def test_the_grid_path_reports_its_cost_too(synthetic) -> None:
    data = synthetic.interactions
    split = ratio_split(data.cells()[0], seed=5)
    report = evaluate_models(data, split, ["ease"], k=5, param_grids={"ease": {"l2": [1.0, 10.0]}})[0]
    assert report.search["method"] == "grid" and report.search["trials"] == 2


def test_a_search_needs_a_trial(synthetic) -> None:
    data = synthetic.interactions
    with pytest.raises(ValueError, match="at least one trial"):
        search("ease", data, data, trials=0)


def test_published_starting_points_follow_the_defaults(synthetic) -> None:
    data = synthetic.interactions
    split = ratio_split(data.cells()[0], seed=1)
    found = search("ease", data.select(split.train), data.select(split.valid), k=5, trials=4)
    assert [p["l2"] for p, _ in found.trials[:3]] == [500.0, 100.0, 1000.0]
