"""Budgeted parameter search on the validation part only (Optuna's seeded TPE sampler).

The search sees the train and validation matrices and nothing else: the test part cannot leak into the
choice. Ranges cover where peer libraries and published tunings find their best (ALS regularisation up to
100, confidence scaling up to 100; EASE's λ over five decades; item-kNN neighbours up to 1,000 with shrinkage,
cosine or BM25 weighting as implicit offers).
The model's own defaults are always the first trial, so a search never ends worse than the defaults on validation;
published starting points (:data:`STARTS`) come next.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna

from museion.recommend.evaluation.metrics import ranking_metrics
from museion.recommend.interactions import Interactions
from museion.recommend.models import MODELS, Recommender


@dataclass(frozen=True, slots=True)
class Dimension:
    """One searched parameter: a numeric range (log-spaced when ``log``) or a list of ``choices``."""

    low: float = 0.0
    high: float = 0.0
    log: bool = False
    integer: bool = False
    choices: tuple[Any, ...] = ()

    def suggest(self, trial: optuna.Trial, name: str) -> Any:
        if self.choices:
            return trial.suggest_categorical(name, list(self.choices))
        if self.integer:
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, self.low, self.high, log=self.log)


SPACES: dict[str, dict[str, Dimension]] = {
    "trending": {"half_life_days": Dimension(1.0, 3650.0, log=True)},
    "itemknn": {"neighbours": Dimension(5, 1000, log=True, integer=True), "shrinkage": Dimension(0.0, 1000.0),
                "weighting": Dimension(choices=("cosine", "bm25")), "bm25_k1": Dimension(0.1, 3.0),
                "bm25_b": Dimension(0.0, 1.0)},
    "als": {"factors": Dimension(choices=(32, 64, 128, 256)), "regularization": Dimension(1e-3, 100.0, log=True),
            "alpha": Dimension(0.1, 100.0, log=True), "iterations": Dimension(5, 50, integer=True)},
    "bpr": {"factors": Dimension(choices=(32, 64, 128)), "learning_rate": Dimension(1e-3, 0.2, log=True),
            "regularization": Dimension(1e-4, 1.0, log=True), "iterations": Dimension(50, 400, log=True, integer=True)},
    "ease": {"l2": Dimension(1.0, 1e5, log=True)},
    "rp3beta": {"alpha": Dimension(0.1, 2.0), "beta": Dimension(0.0, 1.0),
                "neighbours": Dimension(10, 1000, log=True, integer=True)},
}
"""Model key → parameter → range searched; models not listed (pop, content) have nothing to tune."""

STARTS: dict[str, list[dict[str, Any]]] = {
    "als": [{"factors": 256, "regularization": 10.0, "alpha": 1.0, "iterations": 15},
            {"factors": 128, "regularization": 1.0, "alpha": 10.0, "iterations": 15}],
    "ease": [{"l2": 100.0}, {"l2": 1000.0}],
}
"""Points tried right after the defaults: where published tunings put these models (Rendle et al. 2022 for iALS:
many factors, strong regularisation; Steck 2019 for EASE). The sampler then explores around the best."""

BUDGETS: dict[str, int] = {"trending": 8, "itemknn": 40, "als": 40, "bpr": 20, "ease": 15, "rp3beta": 30}
"""Default number of trials per model when a search is asked for without a budget."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The chosen parameters, every trial in order with its validation NDCG@k, and what the search cost."""

    params: dict[str, Any]
    trials: list[tuple[dict[str, Any], float]]
    seconds: float
    method: str

    def cost(self) -> dict[str, Any]:
        """What a model card and the training output state about the search."""
        return {"method": self.method, "trials": len(self.trials), "seconds": round(self.seconds, 2),
                "chosen_on": "validation"}


def fit_model(name: str, params: Mapping[str, Any], seed: int, data: Interactions,
              item_features: Any = None) -> Recommender:
    """A model of ``name`` with ``params`` (seeded when it takes a seed), fitted on ``data``."""
    cls = MODELS[name]
    seeded = {"random_state": seed} if "random_state" in inspect.signature(cls).parameters else {}
    return cls(**seeded, **params).fit(data.matrix, item_features=item_features, timestamps=data.last_timestamp)


def validation_ndcg(model: Recommender, train: Interactions, valid: Interactions, k: int) -> float:
    """NDCG@k over members with ≥1 validation item, ranking all works with their train items excluded."""
    rows = np.flatnonzero(np.diff(valid.matrix.indptr))
    recommended, _ = model.recommend(rows, train.matrix[rows], k)
    return ranking_metrics(recommended, valid.matrix[rows], (k,))[f"ndcg@{k}"]


def search(name: str, train: Interactions, valid: Interactions, *, k: int = 10, seed: int = 0,
           trials: int | None = None, timeout: float | None = None, item_features: Any = None,
           space: Mapping[str, Dimension] | None = None,
           on_trial: Callable[[int, int], None] | None = None) -> SearchResult:
    """Search ``name``'s :data:`SPACES` range for ``trials`` trials (or until ``timeout`` seconds), fitting on
    ``train`` and scoring on ``valid``; ties keep the earliest trial. ``on_trial(done, total)`` reports progress."""
    space = SPACES.get(name, {}) if space is None else space
    budget = BUDGETS.get(name, 1) if trials is None else trials
    if budget < 1:
        raise ValueError("a search needs at least one trial")
    started = time.perf_counter()
    defaults = {p: v for p, v in MODELS[name]().get_params().items() if p in space}
    history: list[tuple[dict[str, Any], float]] = []

    def objective(trial: optuna.Trial) -> float:
        params = {p: dimension.suggest(trial, p) for p, dimension in sorted(space.items())}
        model = fit_model(name, params, seed, train, item_features)
        score = float(np.nan_to_num(validation_ndcg(model, train, valid, k), nan=-1.0))
        history.append((params, score))
        if on_trial is not None:
            on_trial(len(history), budget)
        return score

    if not space:
        objective(optuna.trial.FixedTrial({}))
        return SearchResult({}, history, time.perf_counter() - started, "defaults")
    logging.getLogger("optuna").setLevel(logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    for start in [defaults, *STARTS.get(name, [])]:
        study.enqueue_trial(_within({p: v for p, v in start.items() if p in space}, space))
    study.optimize(objective, n_trials=budget, timeout=timeout, gc_after_trial=False)
    best = max(range(len(history)), key=lambda i: (history[i][1], -i))
    return SearchResult(history[best][0], history, time.perf_counter() - started, "optuna-tpe")


def _within(defaults: Mapping[str, Any], space: Mapping[str, Dimension]) -> dict[str, Any]:
    """The defaults, clipped into the searched ranges (a default outside a range would be refused by Optuna)."""
    clipped = {}
    for name, value in defaults.items():
        dimension = space[name]
        if dimension.choices:
            clipped[name] = value if value in dimension.choices else dimension.choices[0]
        else:
            clipped[name] = type(value)(min(max(value, dimension.low), dimension.high))
    return clipped
