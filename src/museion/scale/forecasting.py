"""Demand forecasts mapped over series partitions: the insight cores (``backtest``, ``forecast``) run unchanged on each
partition's series and their results are combined in the original series order. The seasonal period is settled over
all series first (the cores shorten it for short series), so a partition decides exactly what the whole would."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.insight.forecast import MODELS, Backtest, ModelForecast, backtest, forecast
from museion.insight.forecasting import run_forecast
from museion.scale.engine import Engine as ComputeEngine
from museion.scale.partition import Partition, check_partitions, partition_rows


def series_partitions(names: Sequence[str], n: int) -> list[Partition]:
    """Series grouped by a stable hash of their name (the same on every run and machine)."""
    keys = np.array([int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little", signed=True)
                     for name in names], dtype=np.int64)
    return partition_rows(keys, check_partitions(n))


@dataclass(frozen=True, eq=False)
class SeriesWork:
    """What each forecasting task needs (broadcast once): the series, their targets and the core's settings."""

    names: list[str]
    series: dict[str, np.ndarray]
    targets: dict[str, np.ndarray] | None
    settings: dict[str, Any]


def _pick(work: SeriesWork, part: Partition) -> dict[str, np.ndarray]:
    return {work.names[i]: work.series[work.names[i]] for i in part.rows}


def backtest_part(work: SeriesWork, part: Partition) -> Backtest:
    """The core backtest of one partition's series."""
    targets = {n: work.targets[n] for n in _pick(work, part)} if work.targets is not None else None
    return backtest(_pick(work, part), targets=targets, **work.settings)


def forecast_part(work: SeriesWork, part: Partition) -> dict[str, dict[str, ModelForecast]]:
    """The core forecast of one partition's series."""
    return forecast(_pick(work, part), **work.settings)


@dataclass(frozen=True)
class PartitionedCores:
    """``backtest`` and ``forecast`` with the signatures of the cores, mapped over series partitions on ``compute``."""

    compute: ComputeEngine
    partitions: int = 16

    def backtest(self, series: Mapping[str, np.ndarray], *, horizon: int, origins: int, season: int,
                 models: Sequence[str] = MODELS, step: int | None = None,
                 targets: Mapping[str, np.ndarray] | None = None) -> Backtest:
        names, step = list(series), step or horizon
        shortest = min(len(y) for y in series.values()) - horizon - (origins - 1) * step
        season = max(1, season if shortest >= 2 * season else 1)  # as the core settles it over every series
        work = SeriesWork(names, dict(series), dict(targets) if targets is not None else None,
                          {"horizon": horizon, "origins": origins, "season": season, "models": list(models), "step": step})
        parts = series_partitions(names, self.partitions)
        found = self.compute.map_partitions(backtest_part, parts, broadcast=work)
        at = {name: (p, i) for p, bt in enumerate(found) for i, name in enumerate(bt.series)}
        rows = [at[name] for name in names]
        first = found[0]
        return Backtest(names, first.models, first.horizon, first.origins, first.step, first.season,
                        np.stack([found[p].window_mase[i] for p, i in rows]),
                        np.stack([found[p].window_smape[i] for p, i in rows]), sum(bt.fit_seconds for bt in found))

    def forecast(self, series: Mapping[str, np.ndarray], *, horizon: int, season: int,
                 models: Sequence[str] = MODELS) -> dict[str, dict[str, ModelForecast]]:
        names = list(series)
        season = max(1, season if min(len(y) for y in series.values()) >= 2 * season else 1)
        work = SeriesWork(names, dict(series), None, {"horizon": horizon, "season": season, "models": list(models)})
        found = self.compute.map_partitions(forecast_part, series_partitions(names, self.partitions), broadcast=work)
        merged = {name: by_model for part in found for name, by_model in part.items()}
        return {name: merged[name] for name in names if name in merged}


def run_partitioned_forecast(engine: Any, actor: str, compute: ComputeEngine, *, partitions: int = 16,
                             progress: Callable[[float, str], None] | None = None, **options: Any) -> dict[str, Any]:
    """:func:`museion.insight.forecasting.run_forecast` with its backtests and forecasts mapped over series partitions
    on ``compute``; the same result (timings aside), with the engine and partitions named."""
    cores = PartitionedCores(compute, check_partitions(partitions))
    extra = {"progress": progress} if progress else {}
    result = run_forecast(engine, actor, backtester=cores.backtest, forecaster=cores.forecast, **extra, **options)
    return {**result, "engine": compute.name, "partitions": partitions}
