"""Online evaluation on ml-latest-small replayed as a stream, sequential tests under peeking, and the cost of rollout
routing on the serving path.

    .venv/bin/python benchmarks/online_bench.py            # a few minutes on 2 cores

1. Stream: ratings in time order; EASE, item-kNN and most-popular are trained on every rating before the median
   time (the past); afterwards each member is served one top-10 list per model at the start of every visit (ratings
   with no gap over an hour), from their history up to that moment; their real later ratings are the events (attributed within 30 days by
   ``museion.experiments.attribution``). Online metrics per model: click-through and conversion (a rating >= 4) at
   10, coverage, novelty, exposure gap (head − tail exposure).
2. Simulated members following their real later ratings (each member's earliest 80% of ratings is their history,
   the rest what they do later; models trained on the histories): 14 simulated days of one list a day. 200 A/A tests
   (both arms EASE) and 200 A/B tests each of EASE vs item-kNN and vs most-popular, members split 50/50 by the
   rollout's sticky hash with a new salt per test, a look every day: the false-positive rate of the always-valid mSPRT
   confidence sequence (``museion.experiments.sequential``) with the member as the unit (as the product counts), and
   with the list as the unit, against the peer, a fixed-horizon z-test looked at just as often (naive peeking); the A/B
   decision time and error rate.
3. Routing cost: the look-ups a served request adds (running rollout; with one, the member's key and opt-out and the
   hash), timed on a scratch SQLite store with the ml-latest-small members, p50/p99 against the 20 ms p99 budget.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402
from scipy.stats import norm  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from museion.experiments.attribution import attribute  # noqa: E402
from museion.experiments.online import Catalogue, list_values  # noqa: E402
from museion.experiments.sequential import Moments, look  # noqa: E402
from museion.recommend.models import EASE, ItemKNN, MostPopular  # noqa: E402
from museion.registry.rollouts import bucket, running, version_for  # noqa: E402

DATA = Path(os.environ.get("MUSEION_DATASETS_DIR", "/work/shared/data")) / "movielens-latest-small" / "ratings.csv"
K, WINDOW, SPLIT, TESTS, ALPHA, TAU = 10, 30 * 86400, 0.5, 200, 0.05, 0.02
DAY, VISIT_GAP, SIM_DAYS = 86400, 3600, 14


def binary_matrix(ratings: pd.DataFrame) -> tuple[csr_matrix, np.ndarray, np.ndarray, dict, dict]:  # type: ignore[type-arg]
    """Members x works (rated at least 3 times) as 0/1, with the sorted works and members and their index maps."""
    counts = ratings["movieId"].value_counts()
    works = np.sort(counts[counts >= 3].index.to_numpy())
    members = np.sort(ratings["userId"].unique())
    col, row = {w: i for i, w in enumerate(works)}, {m: i for i, m in enumerate(members)}
    keep = ratings["movieId"].isin(col)
    matrix = csr_matrix((np.ones(int(keep.sum()), dtype=np.float32),
                         (ratings.loc[keep, "userId"].map(row), ratings.loc[keep, "movieId"].map(col))),
                        shape=(len(members), len(works)))
    matrix.data[:] = 1.0
    return matrix, works, members, col, row


def stream() -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """Past interactions (a matrix over works rated at least 3 times before the split) and the stream after it."""
    r = pd.read_csv(DATA).sort_values("timestamp", kind="stable")
    cut = int(r["timestamp"].quantile(SPLIT))
    past, later = r[r["timestamp"] < cut], r[r["timestamp"] >= cut]
    matrix, works, members, col, row = binary_matrix(past)
    later = later[later["userId"].isin(row)]
    return ({"matrix": matrix, "works": works, "members": members, "col": col, "row": row, "cut": cut,
             "popularity": np.asarray(matrix.sum(axis=0)).ravel()},
            {"member": later["userId"].to_numpy(), "work": later["movieId"].to_numpy(),
             "value": later["rating"].to_numpy(float), "time": later["timestamp"].to_numpy(float)})


def serve(model: object, past: dict[str, object], events: dict[str, np.ndarray]) -> dict[str, object]:
    """One list per visit (a member's ratings with no gap over an hour), a second before its first rating, from the
    history up to then."""
    matrix: csr_matrix = past["matrix"]  # type: ignore[assignment]
    col, row, works = past["col"], past["row"], past["works"]  # type: ignore[assignment]
    frame = pd.DataFrame({"member": events["member"], "time": events["time"]}).sort_values(["member", "time"])
    new_visit = (frame["member"].diff() != 0) | (frame["time"].diff() > VISIT_GAP)
    frame["visit"] = new_visit.cumsum()
    sessions = frame.groupby("visit").agg(member=("member", "first"), time=("time", "min")).sort_values("time")
    sessions["day"] = (sessions["time"] // DAY).astype(np.int64)
    sessions = sessions[["member", "day", "time"]]
    seen = {m: set(matrix[r].indices.tolist()) for m, r in row.items()}  # type: ignore[union-attr]
    order = np.argsort(events["time"], kind="stable")
    next_event, lists, timings = 0, [], []
    for member, _day, first in sessions.itertuples(index=False):
        while next_event < len(order) and events["time"][order[next_event]] < first:  # history grows with the stream
            e = order[next_event]
            if events["work"][e] in col:  # type: ignore[operator]
                seen[events["member"][e]].add(col[events["work"][e]])  # type: ignore[index]
            next_event += 1
        items = np.fromiter(seen[member], dtype=np.int64)
        history = csr_matrix((np.ones(len(items), dtype=np.float32), items, [0, len(items)]), shape=(1, matrix.shape[1]))
        started = time.perf_counter()
        top, _ = model.recommend(np.array([row[member]]), history, K)  # type: ignore[attr-defined, index]
        timings.append((time.perf_counter() - started) * 1000)
        lists.append([int(works[i]) for i in top[0] if i >= 0])  # type: ignore[index]
    return {"member": sessions["member"].to_numpy(), "time": sessions["time"].to_numpy(float) - 1,
            "day": sessions["day"].to_numpy(), "lists": lists, "ms": np.array(timings)}


def online_metrics(name: str, served: dict[str, object], events: dict[str, np.ndarray], past: dict[str, object]) -> dict:
    found = attribute(served["member"], served["time"], served["lists"], events["member"], events["work"],  # type: ignore[arg-type]
                      np.full(len(events["member"]), "rating", dtype=object), events["value"], events["time"],
                      window_s=WINDOW, k=K)
    works = past["works"]
    catalogue = Catalogue(dict(zip(works.tolist(), past["popularity"].astype(float).tolist(), strict=True)), len(works))  # type: ignore[union-attr]
    values = list_values(served["lists"], found, catalogue, K)  # type: ignore[arg-type]
    shown = {w for items in served["lists"] for w in items}  # type: ignore[attr-defined]
    return {"model": name, "lists": len(found.clicked), "ctr": values["ctr"].mean(), "conversion": values["conversion"].mean(),
            "coverage": len(shown) / len(works), "novelty": np.nanmean(values["novelty"]),  # type: ignore[arg-type]
            "exposure_gap": values["exposure_gap"].mean(), "p50_ms": np.percentile(served["ms"], 50),  # type: ignore[call-overload]
            "clicked": found.clicked}


def simulated_members(days: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """Every member's earliest 80% of ratings as history and the rest as what they do later; models trained on the
    histories; ``days`` simulated days of one top-10 list per member per model, a position examined with
    probability 1/log2(p + 2) (the same draws for every model), a click when the member really rated the work later
    (then it joins their history). Returns clicked[model] as members x days."""
    r = pd.read_csv(DATA).sort_values(["userId", "timestamp"], kind="stable")
    rank = r.groupby("userId").cumcount()
    size = r.groupby("userId")["movieId"].transform("size")
    history, later = r[rank < (size * 0.8).astype(int)], r[rank >= (size * 0.8).astype(int)]
    matrix, works, members, col, row = binary_matrix(history)
    future = {m: {col[w] for w in g["movieId"] if w in col} for m, g in later.groupby("userId")}
    draws = np.random.default_rng(11).random((len(members), days, K))
    examine = 1.0 / np.log2(np.arange(K) + 2)
    clicked = {}
    for name, model in (("ease", EASE(l2=200.0)), ("itemknn", ItemKNN()), ("pop", MostPopular())):
        model.fit(matrix)
        state = matrix.tolil(copy=True)
        out = np.zeros((len(members), days), dtype=bool)
        for d in range(days):
            current = state.tocsr()
            top, _ = model.recommend(np.arange(len(members)), current, K)
            for i, m in enumerate(members):
                hits = [int(w) for w, u, e in zip(top[i], draws[i, d], examine, strict=True)
                        if w >= 0 and u < e and int(w) in future.get(m, ())]
                out[i, d] = bool(hits)
                for w in hits:
                    state[i, w] = 1.0
        clicked[name] = out
    return clicked, [f"movielens:{m}" for m in members]


def sequential(a: np.ndarray, b: np.ndarray, keys: list[str], aa: bool, unit: str) -> list[dict[str, object]]:
    """TESTS tests: members split 50/50 by a salted hash, a look after every simulated day; the mSPRT and the naive
    z-test on ``unit`` observations: each list, or each member's click-through so far (the product's unit: the
    member is what a rollout assigns, and one member's lists are alike)."""
    days = a.shape[1]
    z = norm.ppf(1 - ALPHA / 2)
    outcomes = []
    for test in range(TESTS):
        in_b = np.array([bucket(f"bench-{'aa' if aa else 'ab'}-{test}", k) < 0.5 for k in keys])
        decided_at, sign, naive = None, 0, False
        for d in range(days):
            arms = []
            for clicks, mask in ((a, ~in_b), (b, in_b)):
                seen_so_far = clicks[mask, : d + 1].astype(float)
                values = seen_so_far.ravel() if unit == "list" else seen_so_far.mean(axis=1)
                arms.append(Moments(len(values), float(values.sum()), float((values**2).sum())))
            ma, mb = arms
            seen = look(ma, mb, alpha=ALPHA, tau=TAU)
            if seen is None:
                continue
            se = np.sqrt(ma.variance / ma.n + mb.variance / mb.n)
            naive = naive or bool(se > 0 and abs(seen.difference) / se > z)
            if decided_at is None and (seen.low > 0 or seen.high < 0):
                decided_at, sign = d + 1, 1 if seen.low > 0 else -1
        outcomes.append({"decided_at": decided_at, "sign": sign, "naive": naive, "looks": days})
    return outcomes


def routing_cost() -> dict[str, float]:
    """Added look-ups per served request, on a scratch SQLite store holding ml-latest-small's 610 members; ``live`` adds
    the in-memory count of the request's latency for its version (``museion.experiments.live``, flushed off the path)."""
    from museion.experiments.live import LiveStats
    from museion.privacy import experiment_choice
    from museion.privacy.access import gate_context
    from museion.store.migrate import upgrade

    folder = tempfile.mkdtemp()
    engine = create_engine(f"sqlite:///{folder}/bench.db")
    upgrade(engine)
    users = pd.read_csv(DATA, usecols=["userId"])["userId"].unique()
    keys = [f"movielens:{u}" for u in users]
    with engine.begin() as conn, gate_context():
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        conn.execute(text("INSERT INTO members (key, source, content_hash) VALUES " +
                          ",".join(f"('{k}', 'movielens', x'00')" for k in keys)))
    timings: dict[str, np.ndarray] = {}
    live = LiveStats()
    for state in ("none", "running", "live"):
        if state == "running":
            with engine.begin() as conn:
                conn.execute(text("PRAGMA foreign_keys=OFF"))
                conn.execute(text("INSERT INTO rollouts (control_version_id, candidate_version_id, mode, share, salt, state, "
                                  "plan, simulated, started_by) VALUES (1, 2, 'canary', 0.05, 'bench', 'running', '{}', 0, 'bench')"))
        passes = np.zeros((3, len(keys)))
        for n in range(3):
            for i, key in enumerate(keys):
                with engine.connect() as conn:
                    started = time.perf_counter()
                    rollout = running(conn)
                    if rollout is not None:
                        found = experiment_choice.assignment_key(conn, key)
                        assert found is not None
                        version = version_for(rollout, found[0], opted_out=found[1]) or 1
                        if state == "live":
                            with live.timed(int(rollout.id), version):
                                pass  # the list itself is computed here in serving
                    passes[n, i] = (time.perf_counter() - started) * 1000
        timings[state], timings[f"{state}_all"] = passes.min(axis=0), passes.ravel()
    engine.dispose()
    return {f"{s}_{q}": float(np.percentile(v, q)) for s, v in timings.items() for q in (50, 99)}


def main() -> None:
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: see `museion datasets fetch movielens-latest-small`")
    started = time.perf_counter()
    past, events = stream()
    print(f"stream: {past['matrix'].shape[0]} members x {past['matrix'].shape[1]} works trained before "  # type: ignore[union-attr]
          f"{pd.Timestamp(past['cut'], unit='s').date()}, {len(events['member']):,} later ratings")
    results = {}
    for name, model in (("ease", EASE(l2=200.0)), ("itemknn", ItemKNN()), ("pop", MostPopular())):
        served = serve(model.fit(past["matrix"]), past, events)  # type: ignore[arg-type]
        results[name] = online_metrics(name, served, events, past)
        results.setdefault("served", served)  # the same member-days for both models
    print("\n| model | lists | CTR@10 | conversion@10 | coverage | novelty (bits) | exposure gap | serve p50 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("ease", "itemknn", "pop"):
        r = results[name]
        print(f"| {name} | {r['lists']} | {r['ctr']:.4f} | {r['conversion']:.4f} | {r['coverage']:.4f} | {r['novelty']:.2f} | "
              f"{r['exposure_gap']:+.3f} | {r['p50_ms']:.2f} |")
    e, i = results["ease"], results["itemknn"]
    print(f"\nEASE / item-kNN: CTR x{e['ctr'] / max(i['ctr'], 1e-9):.2f}, conversion x{e['conversion'] / max(i['conversion'], 1e-9):.2f}")
    clicked, keys = simulated_members(SIM_DAYS)
    ctr = {name: c.mean() for name, c in clicked.items()}
    print(f"\nsimulated members: {len(keys)} members x {SIM_DAYS} days, click-through "
          + ", ".join(f"{n} {v:.4f}" for n, v in ctr.items()))
    print(f"\n| {TESTS} tests each, members split 50/50 by the rollout hash, a look every simulated day | mSPRT "
          "(always valid) | naive z-test, peeking | ratio |")
    print("|---|---|---|---|")
    for unit in ("member", "list"):
        aa = sequential(clicked["ease"], clicked["ease"], keys, aa=True, unit=unit)
        fp = sum(o["decided_at"] is not None for o in aa) / TESTS
        naive_fp = sum(bool(o["naive"]) for o in aa) / TESTS
        print(f"| A/A false-positive rate, unit {unit} (target <= {ALPHA:.0%}) | {fp:.1%} | {naive_fp:.1%} | "
              f"{fp / naive_fp if naive_fp else float('nan'):.2f} |")
        for other in ("itemknn", "pop"):
            ab = sequential(clicked["ease"], clicked[other], keys, aa=False, unit=unit)
            decided = [t for t in ab if t["decided_at"] is not None]
            truth = np.sign(ctr[other] - ctr["ease"])  # decisions are signed candidate (b) − deployed (a)
            wrong = sum(t["sign"] != truth for t in decided)
            when = f"day {statistics.median(t['decided_at'] for t in decided):.0f}" if decided else "-"
            print(f"| A/B EASE vs {other}, unit {unit}: decided / median decision / wrong way | "
                  f"{len(decided) / TESTS:.1%} / {when} / {wrong / TESTS:.1%} | "
                  f"{sum(bool(t['naive']) for t in ab) / TESTS:.1%} significant at some look | - |")
    cost = routing_cost()
    print("\n| served request, routing look-ups (610 members x 3) | p50 ms | p99 of each member's best of 3 | p99 of every call "
          "| best-of-3 p99 / 20 ms budget |")
    print("|---|---|---|---|---|")
    for state, label in (("none", "no rollout running (1 indexed read)"), ("running", "rollout running (+ key, opt-out, hash)"),
                         ("live", "rollout running, + live latency count")):
        print(f"| {label} | {cost[f'{state}_50']:.3f} | {cost[f'{state}_99']:.3f} | {cost[f'{state}_all_99']:.3f} | "
              f"{cost[f'{state}_99'] / 20:.4f} |")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
