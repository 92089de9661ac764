"""Hierarchical reconciliation of forecasts, groups -> total (pure core over arrays), with hierarchicalforecast.

Where the groups partition the total (each event in exactly one group: kind, era, member segment…), forecasts made
per group and for the total disagree; reconciliation makes them add up. Whether it also makes them more accurate is
an empirical question, so it is backtested: at each rolling origin every series (the groups and their sum) is fitted
with one model, the base forecasts are reconciled by BottomUp and MinTrace (OLS and structural WLS, which need no
in-sample residuals), and MASE is scored per level for the base and each method. The method chosen is the one with
the lowest mean of the level MASEs, and only when it beats the base forecasts; otherwise the base ones are kept.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from museion.errors import MuseionError
from museion.insight.forecast import build_models

TOTAL = "total"
COLUMNS = {"BottomUp": "BottomUp", "MinTrace(ols)": "MinTrace_method-ols",
           "MinTrace(wls_struct)": "MinTrace_method-wls_struct"}  # method -> hierarchicalforecast's column suffix
METHODS = tuple(COLUMNS)
PARTITIONS = ("kind", "era", "segment")  # groupings where each event falls in one group at most


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Mean MASE per level ("groups", "total") for the base forecasts and each method, and the choice."""

    model: str
    origins: int
    horizon: int
    mase: dict[str, dict[str, float]]  # method ("base", BottomUp…) -> level -> mean MASE
    chosen: str  # a method, or "base" when none beats it
    improvement: dict[str, float] = field(default_factory=dict)  # level -> base MASE / chosen MASE
    groups: int = 0  # series at the lower level

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "origins": self.origins, "horizon": self.horizon, "methods": list(METHODS),
                "groups": self.groups,
                "mase": self.mase, "chosen": self.chosen, "improvement": self.improvement}


def _mase(actual: np.ndarray, predicted: np.ndarray, train: np.ndarray, season: int) -> float:
    m = season if len(train) > season else 1
    scale = float(np.mean(np.abs(train[m:] - train[:-m]))) if len(train) > m else float("nan")
    known = ~np.isnan(actual)
    if not known.any() or not scale or not np.isfinite(scale):
        return float("nan")
    return float(np.mean(np.abs(actual[known] - predicted[known])) / scale)


def backtest(groups: Mapping[str, np.ndarray], *, horizon: int, origins: int, season: int, model: str = "AutoETS",
             targets: Mapping[str, np.ndarray] | None = None) -> Reconciliation:
    """Backtest base vs reconciled forecasts over ``origins`` rolling origins ``horizon`` apart (see the module).

    ``groups`` are aligned series of the same length with no NaN (model inputs); ``targets`` the published values
    to score against (NaN where suppressed; default the inputs); the total is their sum."""
    names = list(groups)
    lengths = {len(y) for y in groups.values()}
    if len(names) < 2 or len(lengths) != 1:
        raise MuseionError("reconciliation needs at least two groups of the same length")
    n = lengths.pop()
    if origins < 2 or n - horizon * origins < max(2 * season, 8):
        raise MuseionError("%(n)s periods are too few for %(origins)s origins of %(horizon)s periods", n=n,
                           origins=origins, horizon=horizon)
    data = {**{g: np.asarray(y, float) for g, y in groups.items()}, TOTAL: np.sum([groups[g] for g in names], axis=0)}
    truth = dict(targets or {})
    truth = {g: np.asarray(truth.get(g, data[g]), float) for g in data}
    if targets is not None and TOTAL not in targets:
        truth[TOTAL] = data[TOTAL]
    ids = [TOTAL, *names]
    scores: dict[str, dict[str, list[float]]] = {m: {"groups": [], "total": []} for m in ("base", *METHODS)}
    columns = {"base": model, **{m: f"{model}/{c}" for m, c in COLUMNS.items()}}
    for o in range(origins):
        end = n - horizon * (origins - o)
        rec = _reconciled(data, names, end, horizon=horizon, season=season, model=model)
        for g in ids:
            part = rec[rec["unique_id"] == g].sort_values("ds")
            actual = truth[g][end:end + horizon]
            for method, column in columns.items():
                score = _mase(actual, part[column].to_numpy(float), data[g][:end], season)
                if np.isfinite(score):
                    scores[method]["total" if g == TOTAL else "groups"].append(score)
    mase = {m: {level: round(float(np.mean(v)), 4) if v else float("nan") for level, v in levels.items()}
            for m, levels in scores.items()}
    overall = {m: float(np.nanmean(list(levels.values()))) for m, levels in mase.items()}
    best = min(METHODS, key=lambda m: overall[m])
    chosen = best if overall[best] < overall["base"] else "base"
    improvement = {level: round(mase["base"][level] / mase[chosen][level], 4) for level in ("groups", "total")
                   if mase[chosen][level]}
    return Reconciliation(model, origins, horizon, mase, chosen, improvement, len(names))


def _reconciled(data: Mapping[str, np.ndarray], names: list[str], end: int, *, horizon: int, season: int,
                model: str) -> pd.DataFrame:
    """Fit ``model`` on every series up to ``end`` and reconcile the next ``horizon`` periods by every method: one row
    per series and period, a column per method (``model/BottomUp``…) beside the base forecast (``model``)."""
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace
    from statsforecast import StatsForecast

    ids = [TOTAL, *names]
    s_matrix = pd.DataFrame(np.vstack([np.ones(len(names)), np.eye(len(names))]), columns=names)
    s_matrix.insert(0, "unique_id", ids)
    tags = {"total": np.array([TOTAL]), "total/group": np.array(names)}
    train = pd.concat([pd.DataFrame({"unique_id": g, "ds": np.arange(end), "y": data[g][:end]}) for g in ids])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast and hierarchicalforecast warn about frames they accept
        fc = StatsForecast(models=build_models([model], season), freq=1, n_jobs=1).forecast(df=train, h=horizon)
        rec = HierarchicalReconciliation([BottomUp(), MinTrace(method="ols"), MinTrace(method="wls_struct")]).reconcile(
            Y_hat_df=fc, tags=tags, S_df=s_matrix)
    return rec.reset_index() if "unique_id" not in rec.columns else rec


def reconciled_forecast(groups: Mapping[str, np.ndarray], method: str, *, horizon: int, season: int,
                        model: str = "AutoETS") -> dict[str, list[float]]:
    """The next ``horizon`` periods of every group and their total, fitted on all the history and reconciled by
    ``method`` (one of METHODS): forecasts that add up."""
    if method not in COLUMNS:
        raise MuseionError("unknown reconciliation method %(method)s", method=method)
    names = list(groups)
    data = {**{g: np.asarray(y, float) for g, y in groups.items()}, TOTAL: np.sum([groups[g] for g in names], axis=0)}
    rec = _reconciled(data, names, len(data[TOTAL]), horizon=horizon, season=season, model=model)
    column = f"{model}/{COLUMNS[method]}"
    return {g: [round(float(v), 3) for v in rec[rec["unique_id"] == g].sort_values("ds")[column]] for g in [TOTAL, *names]}
