"""Forecasts with prediction intervals and rolling-origin backtests over statsforecast models (pure core).

Five models: AutoETS, AutoTheta and AutoARIMA, with SeasonalNaive and Naive as baselines. A backtest refits every
model at ``origins`` rolling origins ``step`` periods apart and scores the next ``horizon`` periods with MASE (scaled by
the in-sample seasonal-naive error up to that origin) and sMAPE, on published cells only (``targets`` may hold NaN
where the gate suppressed a cell). The model chosen for a series is the one with the lowest mean MASE; its honest
score (``chosen_mase``) picks the model on earlier origins only and scores it on the next, so choosing on the backtest
does not flatter it. AutoARIMA uses auto.arima's approximation (as R does for long series) to stay interactive, and
no seasonal part for periods longer than 24 (weekly data: ETS, Theta and SeasonalNaive still model the year).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from museion.errors import MuseionError

MODELS = ("AutoETS", "AutoTheta", "AutoARIMA", "SeasonalNaive", "Naive")
BASELINE = "SeasonalNaive"
LEVELS = (80, 95)
MIN_TRAIN = 6  # fewest periods a model is fitted on
MAX_ARIMA_SEASON = 24  # a seasonal ARIMA over 52 weeks takes ~100x longer to fit: weekly ARIMA is fitted non-seasonal


def build_models(names: Sequence[str], season: int) -> list[Any]:
    """statsforecast model objects for ``names`` (each aliased by its name)."""
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive, SeasonalNaive

    makers = {"AutoETS": lambda: AutoETS(season_length=season), "AutoTheta": lambda: AutoTheta(season_length=season),
              "AutoARIMA": lambda: AutoARIMA(season_length=season if season <= MAX_ARIMA_SEASON else 1, approximation=True),
              "SeasonalNaive": lambda: SeasonalNaive(season_length=season), "Naive": Naive}
    unknown = [n for n in names if n not in makers]
    if unknown or not names:
        raise MuseionError("unknown model %(model)s: use %(models)s", model=", ".join(unknown) or "(none)",
                           models=", ".join(MODELS))
    return [makers[n]() for n in names]


def _frame(series: Mapping[str, np.ndarray]) -> pd.DataFrame:
    parts = [pd.DataFrame({"unique_id": name, "ds": np.arange(len(y), dtype=np.int64), "y": np.asarray(y, dtype=float)})
             for name, y in series.items()]
    return pd.concat(parts, ignore_index=True)


def _check(series: Mapping[str, np.ndarray], horizon: int) -> None:
    if not series:
        raise MuseionError("there is no series to forecast")
    if horizon < 1:
        raise MuseionError("the horizon must be at least 1 period, not %(horizon)s", horizon=horizon)
    for name, y in series.items():
        n = len(y)
        if n == 0:
            raise MuseionError("the series %(group)s is empty: there is nothing to forecast from", group=name)
        if np.isnan(np.asarray(y, dtype=float)).any():
            raise MuseionError("the series %(group)s has missing values; fill them first", group=name)
        if horizon > n:
            raise MuseionError("the horizon %(horizon)s is longer than the history of %(group)s (%(n)s periods)",
                               horizon=horizon, group=name, n=n)
        if n < MIN_TRAIN:
            raise MuseionError("the series %(group)s is too short to forecast: %(n)s periods, at least %(need)s needed",
                               group=name, n=n, need=MIN_TRAIN)


@dataclass(frozen=True, slots=True)
class ModelForecast:
    """One model's point forecast and prediction intervals (per level) for the next ``horizon`` periods."""

    mean: np.ndarray
    lower: dict[int, np.ndarray]
    upper: dict[int, np.ndarray]

    def as_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.round(4).tolist(), "lower": {str(k): v.round(4).tolist() for k, v in self.lower.items()},
                "upper": {str(k): v.round(4).tolist() for k, v in self.upper.items()}}


def forecast(series: Mapping[str, np.ndarray], *, horizon: int, season: int, models: Sequence[str] = MODELS,
             levels: Sequence[int] = LEVELS) -> dict[str, dict[str, ModelForecast]]:
    """Each series' forecast by each model, with intervals; counts are floored at 0."""
    from statsforecast import StatsForecast

    _check(series, horizon)
    season = max(1, season if min(len(y) for y in series.values()) >= 2 * season else 1)
    engine = StatsForecast(models=build_models(models, season), freq=1, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = engine.forecast(df=_frame(series), h=horizon, level=list(levels))
    found: dict[str, dict[str, ModelForecast]] = {}
    for name, rows in out.groupby("unique_id", sort=False):
        rows = rows.sort_values("ds")
        clip = lambda col: np.maximum(rows[col].to_numpy(dtype=float), 0.0)  # noqa: E731
        found[str(name)] = {m: ModelForecast(clip(m), {lv: clip(f"{m}-lo-{lv}") for lv in levels},
                                             {lv: clip(f"{m}-hi-{lv}") for lv in levels}) for m in models}
    return found


def mase_scale(train: np.ndarray, season: int) -> float:
    """The in-sample mean absolute error of the seasonal-naive forecast (naive when too short, or when the seasonal
    error is 0: a series that repeats exactly); NaN when that is 0 too."""
    for m in dict.fromkeys((season if len(train) > season else 1, 1)):
        if len(train) > m and (scale := float(np.mean(np.abs(train[m:] - train[:-m])))) > 0:
            return scale
    return float("nan")


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200) over published cells; a cell where both are 0 scores 0."""
    keep = ~np.isnan(actual)
    a, f = actual[keep], predicted[keep]
    if not a.size:
        return float("nan")
    denominator = np.abs(a) + np.abs(f)
    return float(np.mean(np.where(denominator > 0, 200 * np.abs(a - f) / np.where(denominator > 0, denominator, 1), 0.0)))


@dataclass(frozen=True, slots=True)
class Backtest:
    """Scores of every model on every series over rolling origins, and the model chosen per series."""

    series: list[str]
    models: list[str]
    horizon: int
    origins: int
    step: int
    season: int
    window_mase: np.ndarray  # (series, models, origins); NaN where a window has no published target
    window_smape: np.ndarray  # (series, models, origins)
    fit_seconds: float  # statsforecast's own time for the refits
    mase: np.ndarray = field(init=False)
    smape: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            object.__setattr__(self, "mase", np.nanmean(self.window_mase, axis=2))
            object.__setattr__(self, "smape", np.nanmean(self.window_smape, axis=2))

    @property
    def chosen(self) -> list[str]:
        """Per series, the model with the lowest mean MASE over all origins (the one to forecast with)."""
        scores = np.where(np.isnan(self.mase), np.inf, self.mase)
        return [self.models[int(np.argmin(row))] if np.isfinite(row).any() else self._fallback() for row in scores]

    def _fallback(self) -> str:
        return BASELINE if BASELINE in self.models else self.models[0]

    def subset(self, names: Sequence[str]) -> Backtest:
        """The same backtest restricted to some series (e.g. one level of a hierarchy)."""
        rows = [self.series.index(n) for n in names]
        return Backtest(list(names), self.models, self.horizon, self.origins, self.step, self.season,
                        self.window_mase[rows], self.window_smape[rows], self.fit_seconds)

    def honest(self) -> tuple[np.ndarray, np.ndarray]:
        """(MASE of the model chosen on earlier origins only, MASE of the baseline) per series, over origins 2..n."""
        chosen = np.full(len(self.series), np.nan)
        base = np.full(len(self.series), np.nan)
        b = self.models.index(BASELINE) if BASELINE in self.models else 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for s in range(len(self.series)):
                picked, baseline = [], []
                for j in range(1, self.origins):
                    earlier = np.nanmean(self.window_mase[s, :, :j], axis=1)
                    pick = int(np.argmin(np.where(np.isnan(earlier), np.inf, earlier))) if np.isfinite(earlier).any() else b
                    picked.append(self.window_mase[s, pick, j])
                    baseline.append(self.window_mase[s, b, j])
                chosen[s], base[s] = np.nanmean(picked), np.nanmean(baseline)
        return chosen, base

    def summary(self) -> dict[str, Any]:
        """Per model mean and median MASE and sMAPE; how often and by how much the choice beats the baseline."""
        chosen, base = self.honest()
        both = ~np.isnan(chosen) & ~np.isnan(base)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            per_model = {m: {"mase_mean": _num(np.nanmean(self.mase[:, i])), "mase_median": _num(np.nanmedian(self.mase[:, i])),
                             "smape_mean": _num(np.nanmean(self.smape[:, i]))} for i, m in enumerate(self.models)}
            return {"series": len(self.series), "models": per_model, "baseline": BASELINE,
                    "choice_beats_baseline_share": _num(float(np.mean(chosen[both] < base[both]))) if both.any() else None,
                    "choice_mase_median": _num(np.nanmedian(chosen)) if both.any() else None,
                    "baseline_mase_median": _num(np.nanmedian(base)) if both.any() else None,
                    "chosen_counts": {m: self.chosen.count(m) for m in self.models if m in self.chosen}}

    def table(self) -> list[dict[str, Any]]:
        """One row per series: each model's MASE and sMAPE, the chosen model, and its honest score against the baseline."""
        chosen, base = self.honest()
        picks = self.chosen
        return [{"series": name, "chosen": picks[s], "chosen_mase": _num(chosen[s]), "baseline_mase": _num(base[s]),
                 "mase": {m: _num(self.mase[s, i]) for i, m in enumerate(self.models)},
                 "smape": {m: _num(self.smape[s, i]) for i, m in enumerate(self.models)}} for s, name in enumerate(self.series)]


def _num(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def min_length(horizon: int, origins: int, step: int) -> int:
    """The fewest periods a series needs for this backtest."""
    return MIN_TRAIN + horizon + (origins - 1) * step


def backtest(series: Mapping[str, np.ndarray], *, horizon: int, origins: int, season: int, models: Sequence[str] = MODELS,
             step: int | None = None, targets: Mapping[str, np.ndarray] | None = None) -> Backtest:
    """Refit every model at ``origins`` rolling origins and score the next ``horizon`` periods against ``targets``
    (default: the series itself; NaN targets, i.e. suppressed cells, are not scored)."""
    from statsforecast import StatsForecast

    _check(series, horizon)
    step = step or horizon
    if origins < 2:
        raise MuseionError("a backtest needs at least 2 origins, not %(origins)s", origins=origins)
    need = min_length(horizon, origins, step)
    for name, y in series.items():
        if len(y) < need:
            raise MuseionError("the series %(group)s has %(n)s periods; a backtest with %(origins)s origins and horizon "
                               "%(horizon)s needs at least %(need)s", group=name, n=len(y), origins=origins,
                               horizon=horizon, need=need)
    shortest_train = min(len(y) for y in series.values()) - horizon - (origins - 1) * step
    season = max(1, season if shortest_train >= 2 * season else 1)
    engine = StatsForecast(models=build_models(models, season), freq=1, n_jobs=1)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = engine.cross_validation(df=_frame(series), h=horizon, n_windows=origins, step_size=step)
    fit_seconds = time.perf_counter() - started
    names = list(series)
    w_mase = np.full((len(names), len(models), origins), np.nan)
    w_smape = np.full_like(w_mase, np.nan)
    for s, name in enumerate(names):
        y = np.asarray(series[name], dtype=float)
        truth = np.asarray(targets[name], dtype=float) if targets is not None else y
        rows = cv[cv["unique_id"] == name].sort_values(["cutoff", "ds"])
        for j, (cutoff, window) in enumerate(rows.groupby("cutoff", sort=True)):
            at = window["ds"].to_numpy(dtype=np.int64)
            actual = truth[at]
            scale = mase_scale(y[: int(cutoff) + 1], season)
            for i, m in enumerate(models):
                predicted = np.maximum(window[m].to_numpy(dtype=float), 0.0)
                err = np.abs(actual - predicted)
                if (~np.isnan(actual)).any():
                    w_mase[s, i, j] = np.nanmean(err) / scale if np.isfinite(scale) else np.nan
                    w_smape[s, i, j] = smape(actual, predicted)
    return Backtest(names, list(models), horizon, origins, step, season, w_mase, w_smape, fit_seconds)
