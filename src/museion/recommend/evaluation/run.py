"""Offline evaluation protocol: tune on validation, refit on train+valid, report on test.

Protocol (the benchmark's peer runs follow it too): for every point of a model's small grid, fit on
train and score NDCG@k on validation (ranking all works, train items excluded); refit the best point
(ties → first in grid order) on train+valid; rank all works for every member with ≥1 test item,
excluding train+valid items, and report test metrics. Seeded models get ``random_state=seed``.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion.recommend.evaluation.metrics import evaluate_rankings
from museion.recommend.evaluation.search import fit_model, search, validation_ndcg
from museion.recommend.evaluation.splits import Split
from museion.recommend.interactions import Interactions
from museion.recommend.models import MODELS, Recommender

DEFAULT_GRIDS: dict[str, dict[str, list[Any]]] = {
    "pop": {},
    "trending": {"half_life_days": [30.0, 365.0]},
    "itemknn": {"neighbours": [20, 50, 100, 200], "shrinkage": [0.0, 10.0, 100.0]},
    "als": {"factors": [64, 128], "regularization": [0.01, 1.0, 10.0], "alpha": [1.0, 10.0]},
    "bpr": {"factors": [64, 128], "learning_rate": [0.01, 0.05]},
    "ease": {"l2": [10.0, 50.0, 200.0, 500.0, 1000.0, 3000.0]},
    "rp3beta": {"alpha": [0.5, 1.0], "beta": [0.3, 0.5, 0.7], "neighbours": [50, 200]},
    "content": {},
}
"""Small log-spaced grids searched on validation when no search budget is given (``trials``); parameters not
listed keep the model's defaults. :mod:`museion.recommend.evaluation.search` covers wider ranges."""


@dataclass(frozen=True, eq=False, slots=True)
class Holdout:
    """The parts of one split as interaction matrices with the full set of rows and columns."""

    train: Interactions
    valid: Interactions
    test: Interactions
    train_valid: Interactions

    @classmethod
    def from_split(cls, interactions: Interactions, split: Split) -> Holdout:
        return cls(
            train=interactions.select(split.train),
            valid=interactions.select(split.valid),
            test=interactions.select(split.test),
            train_valid=interactions.select(np.concatenate([split.train, split.valid])),
        )


@dataclass(frozen=True, eq=False, slots=True)
class ModelReport:
    """One model's outcome: chosen parameters, test metrics, timings and the model refit on train+valid."""

    name: str
    params: dict[str, Any]
    metrics: dict[str, float]
    """Test metrics @k (ranking and beyond-accuracy)."""
    validation: list[tuple[dict[str, Any], float]]
    """Every grid point with its validation NDCG@k, in grid order."""
    fit_seconds: float
    """Wall time of the final fit on train+valid."""
    recommend_seconds: float
    """Wall time to rank all works for every test member."""
    model: Recommender
    search: dict[str, Any] = field(default_factory=dict)
    """What choosing the parameters cost: method (grid or optuna-tpe), trials, seconds, chosen on validation."""


def evaluate_models(
    interactions: Interactions,
    split: Split,
    models: Sequence[str],
    *,
    k: int = 10,
    seed: int = 0,
    param_grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    item_features: csr_matrix | None = None,
    item_genres: csr_matrix | None = None,
    trials: int | Mapping[str, int] | None = None,
) -> list[ModelReport]:
    """Run the protocol above for each named model (keys of ``MODELS``), in the order given.

    ``item_features`` (works × terms) feeds content-based models; ``item_genres`` (works × genres)
    enables intra-list diversity. Parameters come from ``param_grids`` when given, else from a budgeted
    search (:func:`~museion.recommend.evaluation.search.search`) when ``trials`` is given (a number for
    every model or one per model), else from :data:`DEFAULT_GRIDS`. Only train and validation are searched.
    """
    grids = DEFAULT_GRIDS if param_grids is None else param_grids
    unknown = [name for name in models if name not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(sorted(MODELS))}")
    holdout = Holdout.from_split(interactions, split)
    reports = []
    for name in models:
        started = time.perf_counter()
        if param_grids is None and trials is not None:
            budget = trials.get(name) if isinstance(trials, Mapping) else trials
            found = search(name, holdout.train, holdout.valid, k=k, seed=seed, trials=budget, item_features=item_features)
            validation, best_params, cost = found.trials, found.params, found.cost()
        else:
            validation = []
            for params in _grid_points(grids.get(name, {})):
                model = _fit(name, params, seed, holdout.train, item_features)
                validation.append((params, validation_ndcg(model, holdout.train, holdout.valid, k)))
            best_params = max(validation, key=lambda point: np.nan_to_num(point[1], nan=-1.0))[0]
            cost = {"method": "grid", "trials": len(validation), "seconds": round(time.perf_counter() - started, 2),
                    "chosen_on": "validation"}

        started = time.perf_counter()
        model = _fit(name, best_params, seed, holdout.train_valid, item_features)
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        recommended, relevant = rank_members(model, holdout.train_valid, holdout.test, k)
        recommend_seconds = time.perf_counter() - started

        metrics = evaluate_rankings(
            recommended,
            relevant,
            k=k,
            item_popularity=np.bincount(holdout.train_valid.matrix.indices, minlength=interactions.n_works),
            n_members=int(np.count_nonzero(np.diff(holdout.train_valid.matrix.indptr))),
            item_genres=item_genres,
        )
        reports.append(
            ModelReport(name, model.get_params(), metrics, validation, fit_seconds, recommend_seconds, model, cost)
        )
    return reports


def rank_members(
    model: Recommender, known: Interactions, held_out: Interactions, k: int
) -> tuple[np.ndarray, csr_matrix]:
    """Top-k over all works (``known`` items excluded) for members with ≥1 held-out item, and their
    held-out items as the relevance matrix (same rows)."""
    rows = np.flatnonzero(np.diff(held_out.matrix.indptr))
    recommended, _ = model.recommend(rows, known.matrix[rows], k)
    return recommended, held_out.matrix[rows]


def write_split_csv(directory: str | Path, interactions: Interactions, split: Split) -> dict[str, Path]:
    """Write ``train.csv``, ``valid.csv`` and ``test.csv`` (member, work, timestamp, weight; database ids)
    so another library can be evaluated on exactly the same split."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    rows, cols = interactions.cells()
    stamps = interactions.last_timestamp
    written = {}
    for part, cells in (("train", split.train), ("valid", split.valid), ("test", split.test)):
        path = folder / f"{part}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["member", "work", "timestamp", "weight"])
            writer.writerows(
                zip(
                    interactions.member_ids[rows[cells]].tolist(),
                    interactions.work_ids[cols[cells]].tolist(),
                    [""] * len(cells) if stamps is None else stamps[cells].tolist(),
                    interactions.matrix.data[cells].tolist(),
                    strict=True,
                )
            )
        written[part] = path
    return written


def _grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of a grid, parameter names sorted; an empty grid is one point (defaults)."""
    names = sorted(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def _fit(
    name: str, params: Mapping[str, Any], seed: int, data: Interactions, item_features: csr_matrix | None
) -> Recommender:
    return fit_model(name, params, seed, data, item_features)
