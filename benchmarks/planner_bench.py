"""The insight planner, audience segments and new-work outlook (issue 14), each beside its baseline in the same run.

    .venv/bin/python benchmarks/planner_bench.py [--works 10000] [--slots 50] [--runs 5]

Planner: ``--slots`` promotion slots over ``--works`` candidate works — GENERATED (seeded; labelled as such): expected
engagement log-normal and lower for the under-represented groups, costs uniform 1–10, 12 genres, three fairness groups
(female creators 30%, emerging 10%, non-western 15%) — under three minimum-share quotas (40%, 20%, 20%), a budget of
200 and at most 20% of the slots per genre. The MILP (scipy.optimize.milp, HiGHS, relative gap 0: proven optimal)
beside the quota-aware greedy baseline (fill each quota with its group's best works, then the best value that fits),
its objective and its constraint violations. Segments and outlook run on the real MovieLens ml-latest-small files
(../shared/data/movielens-latest-small) through the pure cores (the gate read is not in these timings).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from museion.insight.outlook import evaluate, histories
from museion.insight.planner import Candidates, Constraints, Diversity, Quota, greedy, solve
from museion.insight.segments import choose, tastes
from museion.insight.whatif import explain

ML = Path(__file__).resolve().parents[2] / "shared" / "data" / "movielens-latest-small"


def generated(n: int, seed: int) -> Candidates:
    rng = np.random.default_rng(seed)
    genre = rng.integers(0, 12, n)
    groups = {f"genre:g{k}": genre == k for k in range(12)}
    female, emerging, nonwestern = rng.random(n) < 0.3, rng.random(n) < 0.1, rng.random(n) < 0.15
    groups |= {"creator_gender:female": female, "emerging": emerging, "region:non-western": nonwestern}
    value = rng.lognormal(2, 1, n) * np.where(female | emerging | nonwestern, 0.7, 1.0)
    return Candidates([f"gen:{i}" for i in range(n)], value, rng.uniform(1, 10, n), groups, rng.random(n) < 0.9)


def planner(works: int, slots: int, runs: int) -> None:
    cons = Constraints(slots=slots, budget=200.0, quotas=(Quota("creator_gender:female", 0.4), Quota("emerging", 0.2),
                                                          Quota("region:non-western", 0.2)),
                       diversity=(Diversity("genre", max_share=0.2),))
    rows = []
    for seed in range(runs):
        c = generated(works, seed)
        started, cpu = time.perf_counter(), time.process_time()
        plan = solve(c, cons)
        milp_s, milp_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        g = greedy(c, cons)
        greedy_s = time.perf_counter() - started
        free = solve(c, Constraints(slots=slots, budget=200.0)).objective
        started = time.perf_counter()
        explain(c, cons, plan)
        explain_s = time.perf_counter() - started
        rows.append((seed, plan, milp_s, g, greedy_s, free, explain_s, milp_cpu))
    print(f"\nPlanner: {slots} slots over {works:,} GENERATED candidate works, 3 fairness quotas, budget 200, ≤ 20% per genre\n")
    print("| seed | MILP objective | proven optimal (gap) | MILP solve s (CPU s) | greedy objective | greedy violations "
          "| greedy s | unconstrained | explanation s |")
    print("| ---: | ---: | :---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for seed, plan, milp_s, g, greedy_s, free, explain_s, milp_cpu in rows:
        broken = "; ".join(f"{k} by {v:.2g}" for k, v in g.violations.items()) or "none"
        print(f"| {seed} | {plan.objective:,.1f} | {'yes' if plan.optimal else 'no'} ({plan.gap:.0%}) | {milp_s:.2f} ({milp_cpu:.2f}) "
              f"| {g.objective:,.1f} | {broken} | {greedy_s:.3f} | {free:,.1f} | {explain_s:.1f} |")
    print(f"\nmedian MILP solve {statistics.median(r[2] for r in rows):.2f} s (max {max(r[2] for r in rows):.2f} s; median CPU "
          f"{statistics.median(r[7] for r in rows):.2f} s); "
          f"greedy {sum(1 for r in rows if r[3].violations)}/{runs} runs infeasible; MILP/greedy objective "
          f"{statistics.median(r[1].objective / r[3].objective for r in rows):.2f}× (median)")


def movielens() -> tuple[pd.DataFrame, dict[int, list[str]], dict[int, float | None]]:
    ratings, movies = pd.read_csv(ML / "ratings.csv"), pd.read_csv(ML / "movies.csv")
    labels = {int(i): [g for g in gs.split("|") if g != "(no genres listed)"] for i, gs in zip(movies.movieId, movies.genres)}
    year = movies.title.str.extract(r"\((\d{4})\)\s*$")[0].astype(float)
    return ratings, labels, {int(i): (None if y != y else float(y)) for i, y in zip(movies.movieId, year)}


def segments_and_outlook() -> None:
    ratings, labels, years = movielens()
    started = time.perf_counter()
    t = tastes(ratings.userId.values, ratings.movieId.values, ratings.timestamp.values.astype(float), labels)
    found = choose(t)
    seconds = time.perf_counter() - started
    print(f"\nSegments on ml-latest-small ({len(t.members)} members, {len(t.genres)} genres; {seconds:.1f} s): "
          f"{found.criterion}\n")
    print("| k | silhouette | mean ARI (5 seeds) | least ARI | chosen |")
    print("| ---: | ---: | ---: | ---: | :---: |")
    for c in found.candidates:
        print(f"| {c.k} | {c.silhouette:.3f} | {c.ari:.3f} | {c.ari_min:.3f} | {'**yes**' if c.k == found.k else ''} |")
    print(f"\nsegments: {', '.join(str(p.size) for p in found.profiles)} members; target ARI ≥ 0.8: "
          f"{'met' if found.ari >= 0.8 else 'NOT met'} ({found.ari:.3f})")
    started = time.perf_counter()
    h = histories(ratings.movieId.values, ratings.userId.values, ratings.timestamp.values.astype(float), labels, years)
    e = evaluate(h)
    seconds = time.perf_counter() - started
    print(f"\nNew-work outlook on ml-latest-small, time split at {e.cutoff_year}: {e.test:,} later works forecast from "
          f"{e.train:,} earlier ones ({seconds:.1f} s)\n")
    print("| forecast of first-year demand | MAE | MAE of log(1+x) | ratio to genre mean (MAE) |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| **outlook: median of 40 comparable works** | {e.mae:.3f} | {e.mae_log:.3f} | {e.mae / e.mae_genre_mean:.2f} |")
    print(f"| genre-mean baseline | {e.mae_genre_mean:.3f} | {e.mae_log_genre_mean:.3f} | 1.00 |")
    print(f"| overall median (train) | {e.mae_median:.3f} | | {e.mae_median / e.mae_genre_mean:.2f} |")
    print(f"\nthe outlook's error is smaller than the genre mean's on {e.better_share:.0%} of the later works")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--slots", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    planner(args.works, args.slots, args.runs)
    segments_and_outlook()


if __name__ == "__main__":
    main()
