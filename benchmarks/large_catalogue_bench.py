"""Large catalogues: top-10 from ALS factors over 1,000,000 works (generated), exact scoring vs the faiss index.

Usage: ``.venv/bin/python benchmarks/large_catalogue_bench.py [--works 1000000] [--queries 500]``.
The factors are GENERATED (labelled as such): 64-dimensional item vectors around 2,000 taste clusters with
log-normal norms (popularity), members as mixtures of three clusters with 50 seen works each. Both sides run
Museion's own ``ALS.recommend`` on the same restored model (exact: ``ann_threshold`` above the catalogue; index: the
default), one member per call, seen works excluded, with and without the explanations the serving path adds.
Peer: exact scoring (numpy BLAS, single-threaded). Recall@10 = share of the exact top-10 the index returns.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import psutil
from recommend_bench import table
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from museion.recommend.models import ALS
from museion.recommend.models.factorization import ANN_THRESHOLD

FACTORS, CLUSTERS, SEEN, K = 64, 2_000, 50, 10


def generated_factors(n_works: int, n_members: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, csr_matrix]:
    """GENERATED item and member factors with cluster structure, and each member's seen works (CSR)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(CLUSTERS, FACTORS)).astype(np.float32) / np.sqrt(FACTORS)
    cluster = rng.integers(0, CLUSTERS, n_works)
    items = centres[cluster] + 0.6 * rng.normal(size=(n_works, FACTORS)).astype(np.float32) / np.sqrt(FACTORS)
    items *= rng.lognormal(0.0, 0.5, n_works).astype(np.float32)[:, None]
    tastes = rng.integers(0, CLUSTERS, (n_members, 3))
    members = centres[tastes].sum(axis=1) + 0.3 * rng.normal(size=(n_members, FACTORS)).astype(np.float32)
    seen = np.sort(rng.choice(n_works, (n_members, SEEN)), axis=1)
    history = csr_matrix((np.ones(seen.size, dtype=np.float32), seen.ravel(), np.arange(0, seen.size + 1, SEEN)),
                         shape=(n_members, n_works))
    history.sum_duplicates()
    return items, members.astype(np.float32), history


def per_call_ms(model: ALS, history: csr_matrix, rows: np.ndarray, explain: bool) -> np.ndarray:
    times = []
    for row in rows:
        started = time.perf_counter()
        items, _ = model.recommend(np.array([row]), history[row], K)
        if explain:
            model.explain_many(int(row), history[row], items[0][items[0] >= 0])
        times.append((time.perf_counter() - started) * 1000)
    return np.array(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    items, members, history = generated_factors(args.works, args.queries)
    state = {"user_factors_": members, "item_factors_": items}
    exact = ALS.restore(ALS(factors=FACTORS, ann_threshold=args.works + 1).get_params(), state)
    rss = psutil.Process().memory_info().rss
    started = time.perf_counter()
    indexed = ALS.restore(ALS(factors=FACTORS, ann_threshold=min(ANN_THRESHOLD, args.works)).get_params(), state)
    build_s = time.perf_counter() - started
    grown = psutil.Process().memory_info().rss - rss
    index = indexed._ann
    rows = np.arange(args.queries)
    exact_top, _ = exact.recommend(rows, history, K)
    ann_top, _ = indexed.recommend(rows, history, K)
    recall = np.mean([len(set(a[a >= 0]) & set(b[b >= 0])) / K for a, b in zip(exact_top, ann_top, strict=True)])
    seen_returned = sum(np.isin(ann_top[r], history[r].indices).sum() for r in rows)
    per_call_ms(indexed, history, rows[:20], True)  # warm-up
    lines = []
    for name, model in (("exact (numpy)", exact), ("faiss HNSW index", indexed)):
        for explain in (False, True):
            ms = per_call_ms(model, history, rows, explain)
            lines.append([name, "top-10 + explanations" if explain else "top-10", f"{np.percentile(ms, 50):.2f}",
                          f"{np.percentile(ms, 99):.2f}"])
    ratio = [float(lines[i][3]) / float(lines[i + 2][3]) for i in (0, 1)]
    context = (f"GENERATED catalogue: {args.works:,} works × {FACTORS} factors, {CLUSTERS:,} clusters, "
               f"{args.queries} members with {SEEN} seen works each; one member per call; {os.cpu_count()} CPUs; "
               f"faiss HNSW index: M={index.links}, efSearch={index.ef_search}, built in {build_s:.1f} s, "
               f"{index.memory_bytes / 1e6:,.0f} MB (process grew {grown / 1e6:,.0f} MB)")
    checks = [["recall@10 of the index vs exact", f"{recall:.3f}", "-"],
              ["seen works returned by the index", str(int(seen_returned)), "met" if seen_returned == 0 else "MISSED"],
              ["p99 top-10 + explanations via the index ≤ 20 ms", f"{lines[3][3]} ms",
               "met" if float(lines[3][3]) <= 20 else "MISSED"],
              ["exact p99 / index p99 (top-10; with explanations)", f"{ratio[0]:.1f}×; {ratio[1]:.1f}×", "-"]]
    for markdown in (False, True) if args.markdown else (False,):
        print("\n" + context + "\n")
        print(table(["scoring", "call", "p50 ms", "p99 ms"], lines, markdown) + "\n")
        print(table(["target", "value", "status"], checks, markdown))
    return 0


if __name__ == "__main__":
    with threadpool_limits(1, "blas"):
        sys.exit(main())
