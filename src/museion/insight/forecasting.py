"""Forecast runs, emerging trends and catalogue gaps (service): series read through the gate, models from the cores.

A forecast run reads one grouping's series (audience demand through the privacy gate, or catalogue acquisitions and
works per year), backtests every model over rolling origins, forecasts the horizon with intervals, and names the model
chosen per series; the ``total`` series is backtested beside the groups so scores are reported per level. Series too
short, or mostly suppressed, are skipped with the reason. Runs over many series go through the ``insight_forecast``
job kind (its result is the saved run); a single series is quick enough to run inline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from museion.errors import MuseionError
from museion.insight.demand import catalogue_series, demand_series, dp_demand_series, supply
from museion.insight.forecast import MIN_TRAIN, MODELS, backtest, forecast, min_length
from museion.insight.reconcile import PARTITIONS, reconciled_forecast
from museion.insight.reconcile import backtest as reconcile_backtest
from museion.insight.series import SeriesSet, model_input, next_periods, season_length
from museion.insight.trends import assess, gaps, rank

MAX_SUPPRESSED = 0.5  # a series with more than this share of its cells suppressed is not modelled
TREND_MODEL = "AutoTheta"  # fast and robust: the reference forecast trends and gaps are judged against
Progress = Callable[[float, str], None]


def _quiet(progress: float, message: str) -> None:
    return None


@contextmanager
def _reading(engine_or_conn: Engine | Connection) -> Iterator[Connection]:
    """The caller's connection (a request's), or a transaction of its own on an engine (jobs, the command line)."""
    if isinstance(engine_or_conn, Connection):
        yield engine_or_conn
        return
    with engine_or_conn.begin() as conn:
        yield conn


def load_series(conn: Connection, actor: str, *, measure: str = "demand", by: str = "genre", period: str = "month",
                groups: Collection[str] | None = None, top: int | None = None, kinds: Collection[str] | None = None,
                source: str | None = None) -> SeriesSet:
    """Demand (through the gate) or a catalogue measure (per year) for one grouping."""
    if measure == "demand":
        return demand_series(conn, actor, by, period, groups=groups, top=top, kinds=kinds, source=source)
    if period != "year":
        raise MuseionError("catalogue %(measure)s are counted per year: use period year", measure=measure)
    return catalogue_series(conn, by, measure, source=source, groups=groups, top=top)


def read_series(engine: Engine | Connection, actor: str, *, dp_epsilon: float | None = None,
                progress: Progress = _quiet, **kwargs: Any) -> SeriesSet:
    """``load_series`` in a transaction of its own, or with ``dp_epsilon`` a differentially private release of demand
    charged to the ``source``'s budget (it reserves the epsilon on its own connections, so it needs the engine)."""
    if dp_epsilon is None:
        with _reading(engine) as conn:
            return load_series(conn, actor, **kwargs)
    if kwargs.get("measure", "demand") != "demand":
        raise MuseionError("only audience demand is released with differential privacy; catalogue counts are public")
    kwargs.pop("measure", None)
    return dp_demand_series(engine if isinstance(engine, Engine) else engine.engine, actor, epsilon=dp_epsilon,
                            progress=progress, **kwargs)


def prepare(series: SeriesSet, need: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, int], dict[str, str]]:
    """(model inputs, published targets, offsets into the periods, skipped groups with the reason) per group."""
    inputs, targets, offsets, skipped = {}, {}, {}, {}
    for group, values in zip(series.groups, series.values, strict=True):
        y, offset, filled = model_input(values)
        if not len(y):
            skipped[group] = "no demand" if series.measure == "demand" else "no works"
        elif filled > MAX_SUPPRESSED * len(y):
            skipped[group] = f"{filled} of {len(y)} cells suppressed (fewer than {series.k} members)"
        elif len(y) < need:
            skipped[group] = f"{len(y)} periods, {need} needed"
        else:
            inputs[group], targets[group], offsets[group] = y, values[offset:], offset
    return inputs, targets, offsets, skipped


def _history(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 4) for v in values]


def run_forecast(engine: Engine | Connection, actor: str, *, measure: str = "demand", by: str = "genre", period: str = "month",
                 groups: Sequence[str] | None = None, top: int | None = 12, horizon: int = 6, origins: int = 8,
                 models: Sequence[str] = MODELS, kinds: Collection[str] | None = None, source: str | None = None,
                 with_total: bool = True, dp_epsilon: float | None = None, reconcile: bool = False,
                 progress: Progress = _quiet, backtester: Callable[..., Any] = backtest,
                 forecaster: Callable[..., Any] = forecast) -> dict[str, Any]:
    """Backtest, choose and forecast every series of a grouping (see the module docstring); a JSON-ready result.
    ``backtester`` and ``forecaster`` run the per-series cores (museion.scale maps them over series partitions)."""
    started = time.perf_counter()
    if horizon < 1:
        raise MuseionError("the horizon must be at least 1 period, not %(horizon)s", horizon=horizon)
    if origins == 1 or origins < 0:
        raise MuseionError("a backtest needs at least 2 origins (or 0 for none), not %(origins)s", origins=origins)
    if reconcile and (by not in PARTITIONS or origins < 2):
        raise MuseionError("reconciliation needs groups that partition the total (%(allowed)s) and a backtest of at least "
                           "2 origins", allowed=", ".join(PARTITIONS))
    top = None if reconcile else top  # every group: the total is their sum
    progress(0.02, f"reading {measure} by {by} per {period}")
    series = read_series(engine, actor, dp_epsilon=dp_epsilon, progress=progress, measure=measure, by=by,
                         period=period, groups=groups, top=top, kinds=kinds, source=source)
    level_total = None
    if with_total and by != "total" and dp_epsilon is None:  # a DP total would be a second spend: not drawn
        level_total = read_series(engine, actor, measure=measure, by="total", period=period, kinds=kinds, source=source)
    read_seconds = time.perf_counter() - started
    n = len(series.periods)
    if horizon > n:
        raise MuseionError("the horizon %(horizon)s is longer than the history (%(n)s periods)", horizon=horizon, n=n)
    need = min_length(horizon, origins, horizon) if origins else max(MIN_TRAIN, horizon)
    inputs, targets, offsets, skipped = prepare(series, need)
    at = {label: i for i, label in enumerate(level_total.periods)} if level_total is not None else {}
    if level_total is not None and all(label in at for label in series.periods):  # the total spans the groups' periods
        whole = level_total.values[0][[at[label] for label in series.periods]]
        t_in, t_tg, t_off, _ = prepare(SeriesSet(series.measure, "total", period, series.periods, ["total"],
                                                 whole[None, :], 0, series.k), need)
        if t_in and "total" not in inputs:
            inputs["total"], targets["total"], offsets["total"] = t_in["total"], t_tg["total"], t_off["total"]
    if not inputs:
        reasons = "; ".join(f"{g}: {r}" for g, r in list(skipped.items())[:6])
        raise MuseionError("no series can be forecast: %(reasons)s", reasons=reasons or "none found")
    season = season_length(period, min(len(y) for y in inputs.values()) - (horizon * origins if origins else 0))
    progress(0.1, f"backtesting {len(models)} models on {len(inputs)} series over {origins} origins")
    result = backtester(inputs, horizon=horizon, origins=origins, season=season, models=models, targets=targets) if origins else None
    reconciled = None
    if reconcile:
        progress(0.6, "backtesting BottomUp and MinTrace reconciliation against the base forecasts")
        bottoms = {g: model_input(series.row(g), trim=False)[0] for g in series.groups}
        reconciled = reconcile_backtest(bottoms, horizon=horizon, origins=origins, season=season,
                                        targets={g: series.row(g) for g in series.groups}).as_dict()
        if reconciled["chosen"] != "base":  # used only where the backtest says it helps
            reconciled["forecast"] = reconciled_forecast(bottoms, reconciled["chosen"], horizon=horizon, season=season,
                                                         model=reconciled["model"])
    progress(0.75, "forecasting the horizon with intervals")
    fit_started = time.perf_counter()
    predicted = forecaster(inputs, horizon=horizon, season=season, models=models)
    fit_seconds = time.perf_counter() - fit_started + (result.fit_seconds if result else 0.0)
    chosen = dict(zip(result.series, result.chosen, strict=True)) if result else {}
    table = {row["series"]: row for row in result.table()} if result else {}
    group_names = [g for g in inputs if g != "total" or by == "total"]
    levels = {}
    if result:
        levels[by] = result.subset(group_names).summary()
        if "total" in inputs and by != "total":
            levels["total"] = result.subset(["total"]).summary()
    rows = []
    for group in inputs:
        values = series.row(group) if group in series.groups else np.concatenate([np.full(offsets[group], np.nan), targets[group]])
        rows.append({"group": group, "level": "total" if group == "total" else by, "history": _history(values),
                     "offset": offsets[group], "chosen": chosen.get(group, "AutoETS" if "AutoETS" in models else models[0]),
                     "backtest": table.get(group), "forecast": {m: f.as_dict() for m, f in predicted[group].items()}})
    return {"measure": measure, "by": by, "period": period, "horizon": horizon, "origins": origins, "step": horizon,
            "season": season, "models": list(models), "k": series.k, "suppressed": series.suppressed,
            "periods": series.periods, "future": next_periods(series.periods[-1], period, horizon), "series": rows,
            "partial_left_out": series.partial_left_out, "dp": series.dp, "reconciliation": reconciled,
            "levels": levels, "skipped": skipped,
            "timings": {"read_seconds": round(read_seconds, 3), "statsforecast_seconds": round(fit_seconds, 3),
                        "total_seconds": round(time.perf_counter() - started, 3)}}


def find_trends(engine: Engine | Connection, actor: str, *, measure: str = "demand", by: str = "genre", period: str = "month",
                window: int = 3, groups: Sequence[str] | None = None, top: int | None = 30,
                kinds: Collection[str] | None = None, source: str | None = None, only_significant: bool = False,
                direction: str | None = None, dp_epsilon: float | None = None) -> dict[str, Any]:
    """Series whose last ``window`` periods left the interval of a forecast made before them, or grew significantly
    against their own history; ranked, each with its evidence and its recent history for a chart."""
    if window < 1:
        raise MuseionError("the trend window must be at least 1 period, not %(window)s", window=window)
    if direction not in (None, "up", "down"):
        raise MuseionError("unknown direction %(direction)s: use up or down", direction=direction)
    series = read_series(engine, actor, dp_epsilon=dp_epsilon, measure=measure, by=by, period=period, groups=groups,
                         top=top, kinds=kinds, source=source)
    n = len(series.periods)
    if window * 4 > n:
        raise MuseionError("a trend window of %(window)s periods needs at least %(need)s periods of history, not %(n)s",
                           window=window, need=4 * window, n=n)
    past = SeriesSet(series.measure, by, period, series.periods[:-window], series.groups, series.values[:, :-window],
                     series.suppressed, series.k)
    inputs, _, offsets, skipped = prepare(past, max(MIN_TRAIN, 2 * window))
    found = []
    if inputs:
        predicted = forecast(inputs, horizon=window, season=season_length(period, min(len(y) for y in inputs.values())),
                             models=[TREND_MODEL], levels=(95,))
        for group, y in inputs.items():
            f = predicted[group][TREND_MODEL]
            recent = series.row(group)[-window:]
            if np.isnan(recent).all():
                skipped[group] = "the recent window is suppressed"
                continue
            found.append(assess(group, y, recent, f.mean, f.lower[95], f.upper[95]))
    ranked = rank(found, only_significant=only_significant, direction=direction)
    start = max(0, n - 6 * window - 12)
    charts = {t.group: _history(series.row(t.group)[start:]) for t in ranked}
    return {"measure": measure, "by": by, "period": period, "window": window, "k": series.k, "model": TREND_MODEL,
            "partial_left_out": series.partial_left_out, "dp": series.dp,
            "periods": series.periods[start:], "recent_periods": series.periods[-window:],
            "trends": [{**t.as_dict(), "changepoint_period": None if t.changepoint is None
                        else series.periods[offsets[t.group] + t.changepoint]} for t in ranked],
            "history": charts, "skipped": skipped}


def catalogue_gaps(engine: Engine | Connection, actor: str, *, by: str = "genre", period: str = "month", horizon: int = 6,
                   kinds: Collection[str] | None = None, source: str | None = None, ratio: float = 1.5) -> dict[str, Any]:
    """Groups whose share of forecast demand over the horizon outgrows their share of the catalogue's works."""
    with _reading(engine) as conn:
        series = load_series(conn, actor, by=by, period=period, kinds=kinds, source=source)
        works = supply(conn, by, series.groups)
    if horizon > len(series.periods):
        raise MuseionError("the horizon %(horizon)s is longer than the history (%(n)s periods)", horizon=horizon,
                           n=len(series.periods))
    inputs, _, _, skipped = prepare(series, max(MIN_TRAIN, horizon))
    if not inputs:
        return {"by": by, "period": period, "horizon": horizon, "gaps": [], "skipped": skipped}
    predicted = forecast(inputs, horizon=horizon, season=season_length(period, min(len(y) for y in inputs.values())),
                         models=[TREND_MODEL], levels=(95,))
    names = list(inputs)
    recent = np.array([float(np.sum(inputs[g][-horizon:])) for g in names])
    ahead = np.array([float(np.sum(predicted[g][TREND_MODEL].mean)) for g in names])
    found = gaps(names, recent, ahead, np.array([works[g] for g in names]), ratio=ratio, all_works=sum(works.values()))
    return {"by": by, "period": period, "horizon": horizon, "ratio": ratio, "model": TREND_MODEL,
            "gaps": [g.as_dict() for g in found], "skipped": skipped}
