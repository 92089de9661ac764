"""Scale-out benchmark on GENERATED events (labelled as such): batch scoring with reasons and the fairness audit's
lists and statistics, mapped over member partitions by the local engine (the peer: one process, in the same run)
and by Ray with 1 and 2 workers on this machine; throughput, peak memory per worker and Ray's overhead ratio.

    .venv/bin/python benchmarks/scale_bench.py --events 2000000 [--partitions 16] [--works 3000]

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
    args = parser.parse_args()
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
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for label, make in (("local (peer)", LocalEngine), ("ray, 1 worker", lambda: RayEngine(num_cpus=1)),
                        ("ray, 2 workers", lambda: RayEngine(num_cpus=2))):
        engine = make()
        out = folder / label.replace(" ", "_").replace(",", "")
        results[label] = {"scoring": timed(engine, score_partition, score_parts, replace(scorer, parts=str(out))),
                          "audit": timed(engine, evaluation_part, audit_parts, audit)}
        if label.startswith("ray"):
            stop_local()
    shutil.rmtree(folder, ignore_errors=True)
    base = results["local (peer)"]
    print("\n| engine | scoring s | members/s | audit s | audited members/s | peak MiB per worker | time vs local |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in results.items():
        (s_time, s_mem), (a_time, a_mem) = r["scoring"], r["audit"]
        ratio = (s_time + a_time) / (base["scoring"][0] + base["audit"][0])
        print(f"| {label} | {s_time:.1f} | {members / s_time:,.0f} | {a_time:.1f} | {len(rows) / a_time:,.0f} | "
              f"{max(s_mem, a_mem):,.0f} | {ratio:.2f}× |")
    one = results["ray, 1 worker"]
    overhead = (one["scoring"][0] + one["audit"][0]) / (base["scoring"][0] + base["audit"][0])
    print(f"\nRay's overhead on one machine (1 worker against the local engine): {overhead:.2f}×")


if __name__ == "__main__":
    main()
