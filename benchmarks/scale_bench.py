"""Scale-out benchmark on GENERATED events and series (labelled as such): batch scoring with reasons, the fairness
audit's lists and statistics (member partitions) and demand forecasting with backtests (series partitions), mapped by
the local engine (the peer: one process, in the same run) and by Ray with 1 and 2 workers on this machine;
throughput, peak memory per worker and Ray's overhead ratio.

    .venv/bin/python benchmarks/scale_bench.py --events 2000000 [--partitions 16] [--works 3000] [--series 240]
        [--stages scoring,audit,forecast]

The model (item-kNN) is fitted once on one node, as in production, and broadcast to the workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from museion.recommend.models import MostPopular
from museion.recommend.models.itemknn import ItemKNN
from museion.recommend.serve import Fallback
from museion.scale.audit import EvaluationWork, evaluation_part
from museion.scale.engine import LocalEngine, RayEngine, stop_local
from museion.scale.forecasting import SeriesWork, backtest_part, forecast_part, series_partitions
from museion.scale.partition import partition_rows
from museion.scale.scoring import Scorer, score_partition


def generated(events: int, works: int, per_member: int, seed: int = 7) -> csr_matrix:
    """GENERATED: members with ``per_member`` events each over Zipf-popular works (no real person behind any row)."""
    rng = np.random.default_rng(seed)
    members = events // per_member
    popularity = 1.0 / np.arange(1, works + 1) ** 0.9
    cols = rng.choice(works, size=members * per_member, p=popularity / popularity.sum())
    rows = np.repeat(np.arange(members), per_member)
    matrix = csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(members, works))
    matrix.sum_duplicates()
    return matrix


def generated_series(count: int, months: int, seed: int = 11) -> dict[str, np.ndarray]:
    """GENERATED monthly demand: Poisson counts around a level with a trend and a yearly season, per series."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    out = {}
    for i in range(count):
        level, trend, season = rng.uniform(20, 400), rng.uniform(-0.5, 1.5), rng.uniform(0, 0.4)
        mean = np.maximum(level + trend * t, 1) * (1 + season * np.sin(2 * np.pi * (t + i) / 12))
        out[f"series-{i:05d}"] = rng.poisson(mean).astype(float)
    return out


def measured(fn: Any) -> Any:
    """Wrap a partition function to return its result with the peak resident memory (MiB) of the process that ran it."""
    def run(shared: Any, part: Any) -> tuple[Any, float]:
        result = fn(shared, part)
        return result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return run


def timed(engine: Any, fn: Any, parts: list[Any], shared: Any) -> tuple[float, float]:
    start = time.perf_counter()
    out = engine.map_partitions(measured(fn), parts, broadcast=shared)
    return time.perf_counter() - start, max(m for _r, m in out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--works", type=int, default=3_000)
    parser.add_argument("--per-member", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--series", type=int, default=240, help="GENERATED demand series for the forecasting stage")
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--stages", default="scoring,audit,forecast")
    args = parser.parse_args()
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    matrix = generated(args.events, args.works, args.per_member)
    members = matrix.shape[0]
    print(f"GENERATED data: {matrix.nnz:,} distinct member-work events ({args.events:,} drawn), {members:,} members, "
          f"{args.works:,} works; {args.partitions} partitions; k={args.k}")
    start = time.perf_counter()
    model = ItemKNN().fit(matrix)
    print(f"item-kNN fitted once on one node in {time.perf_counter() - start:.1f} s")
    work_ids = np.arange(args.works, dtype=np.int64)
    folder = Path(tempfile.mkdtemp(prefix="scale-bench"))
    scorer = Scorer(model, matrix, work_ids, np.array([f"w{i}" for i in work_ids], dtype=object),
                    np.array([f"Work {i}" for i in work_ids], dtype=object), np.array([f"m{i}" for i in range(members)], dtype=object),
                    None, Fallback.from_model(MostPopular().fit(matrix)), "viewed", args.k, str(folder))
    rng = np.random.default_rng(1)
    held = matrix.copy()
    held.data = (rng.random(held.nnz) < 0.1).astype(np.float32)
    held.eliminate_zeros()
    known = (matrix - held).tocsr()
    known.eliminate_zeros()
    rows = np.flatnonzero(np.diff(held.indptr))
    audit = EvaluationWork(model, known, rows, held[rows], None, None, None, args.k)  # type: ignore[arg-type]
    score_parts = partition_rows(np.arange(members), args.partitions)
    audit_parts = partition_rows(rows, args.partitions)
    series = generated_series(args.series, args.months)
    names = list(series)
    models = ["AutoETS", "SeasonalNaive", "Naive"]
    tested = SeriesWork(names, series, None, {"horizon": 6, "origins": 3, "season": 12, "models": models, "step": 6})
    ahead = SeriesWork(names, series, None, {"horizon": 6, "season": 12, "models": models})
    series_parts = series_partitions(names, args.partitions)
    print(f"GENERATED series: {args.series} monthly demand series of {args.months} months; {', '.join(models)}; "
          "backtest over 3 origins of 6 months, then a 6-month forecast with intervals")
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for label, make in (("local (peer)", LocalEngine), ("ray, 1 worker", lambda: RayEngine(num_cpus=1)),
                        ("ray, 2 workers", lambda: RayEngine(num_cpus=2))):
        engine = make()
        out = folder / label.replace(" ", "_").replace(",", "")
        if "forecast" in stages:  # statsforecast compiles its models (numba) once per process: not timed
            engine.map_partitions(backtest_part, series_parts[:4], broadcast=tested)
            engine.map_partitions(forecast_part, series_parts[:4], broadcast=ahead)
        runs = {"scoring": lambda: timed(engine, score_partition, score_parts, replace(scorer, parts=str(out))),
                "audit": lambda: timed(engine, evaluation_part, audit_parts, audit),
                "forecast": lambda: _sum(timed(engine, backtest_part, series_parts, tested),
                                         timed(engine, forecast_part, series_parts, ahead))}
        results[label] = {stage: runs[stage]() for stage in stages}
        if label.startswith("ray"):
            stop_local()
    shutil.rmtree(folder, ignore_errors=True)
    base = results["local (peer)"]
    units = {"scoring": ("members", members), "audit": ("audited members", len(rows)), "forecast": ("series", args.series)}
    head = " | ".join(f"{stage} s | {units[stage][0]}/s" for stage in stages)
    print(f"\n| engine | {head} | peak MiB per worker | time vs local |")
    print("|---|" + "---:|---:|" * len(stages) + "---:|---:|")
    total = lambda r: sum(r[stage][0] for stage in stages)  # noqa: E731
    for label, r in results.items():
        cells = " | ".join(f"{r[stage][0]:.1f} | {units[stage][1] / r[stage][0]:,.1f}" for stage in stages)
        print(f"| {label} | {cells} | {max(r[stage][1] for stage in stages):,.0f} | {total(r) / total(base):.2f}× |")
    print(f"\nRay's overhead on one machine (1 worker against the local engine): {total(results['ray, 1 worker']) / total(base):.2f}×")
    for stage in stages:
        print(f"  {stage}: ray 1 worker {results['ray, 1 worker'][stage][0] / base[stage][0]:.2f}×, "
              f"ray 2 workers {results['ray, 2 workers'][stage][0] / base[stage][0]:.2f}×")
    print(f"load average after the run: {os.getloadavg()}")


def _sum(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Two timed maps as one stage: seconds added, the larger peak memory."""
    return a[0] + b[0], max(a[1], b[1])

if __name__ == "__main__":
    main()
