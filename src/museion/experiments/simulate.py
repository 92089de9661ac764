"""Simulated traffic for a running rollout (service, run as a job; for demonstrations and drills, labelled simulated
everywhere). Simulated members are real MovieLens members taking part in analytics who did not opt out: each is
assigned to an arm by the rollout's own sticky hash of their key, shown that arm's top-k from their earlier ratings
(the real serving models, timed), examines position p with probability 1/log2(p + 2), and clicks a work when they
really rated it later (a conversion when they rated it 4 or more). Nothing is written to the served-list log or the
events: only the daily statistics, as source ``simulated``, after each simulated day the stop rules are enforced.
The versions served were trained on every rating, the later ones included, so simulated click-through is optimistic
for both arms alike: a drill for the machinery, not evidence (benchmarks/online_bench.py trains on earlier ratings)."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Engine, update

from museion.errors import Conflict
from museion.experiments import monitor, rollouts, stats
from museion.experiments.attribution import LIKED, Attributed
from museion.experiments.design import Plan
from museion.experiments.measure import catalogue_of
from museion.experiments.online import Cell, cumulative_cells
from museion.fairness.serving import open_recommender
from museion.privacy import experiment_choice, gate
from museion.registry.rollout_models import RUNNING, Rollout
from museion.registry.rollouts import version_for

Progress = Callable[[float, str], None]
HISTORY_SHARE = 0.8
"""Each member's earliest 80% of ratings are what the lists are computed from; the rest is what they do later."""


def _members(engine: Engine, actor: str, source: str | None, kinds: frozenset[str] | None, n: int,
             seed: int) -> tuple[list[int], dict[int, str], dict[int, Any]]:
    """Up to ``n`` members with at least three earlier and three later events: ids, keys, and their (earlier works, later values)."""
    with engine.begin() as conn:
        events = gate.read_activity(conn, purpose=gate.ANALYTICS, actor=actor, source=source, kinds=kinds)
        order = np.lexsort((events.timestamps, events.member_ids))
        members, works, values = events.member_ids[order], events.work_ids[order], events.values[order]
        split: dict[int, Any] = {}
        for member in np.unique(members):
            rows = np.flatnonzero(members == member)
            cut = int(len(rows) * HISTORY_SHARE)
            if len(rows) - cut >= 3 and cut >= 3:
                split[int(member)] = (set(works[rows[:cut]].tolist()),
                                      dict(zip(works[rows[cut:]].tolist(), values[rows[cut:]].tolist(), strict=True)))
        rng = np.random.default_rng(seed)
        chosen = sorted(rng.choice(sorted(split), size=min(n, len(split)), replace=False).tolist()) if split else []
        keys = gate.member_keys(conn, chosen, purpose=gate.ANALYTICS, actor=actor)
        chosen = [m for m in chosen if m in keys and not experiment_choice.opted_out(conn, m)]
    return chosen, keys, {m: split[m] for m in chosen}


def simulate(engine: Engine, home: Path, rollout_id: int, *, actor: str, members: int = 300, days: int = 7,
             source: str | None = "movielens", kinds: frozenset[str] | None = frozenset({"rating"}), seed: int = 0,
             progress: Progress | None = None) -> dict[str, Any]:
    """Run ``days`` simulated days of traffic on the rollout; stops early when a guardrail switches the candidate off."""
    report = progress or (lambda _f, _m: None)
    with engine.begin() as conn:
        rollout = rollouts.get(conn, rollout_id)
        if rollout.state != RUNNING:
            raise Conflict("rollout %(id)s is %(state)s: simulated traffic only runs on a running rollout",
                           id=rollout_id, state=rollout.state)
        plan = Plan.from_dict(rollout.plan)
        catalogue = catalogue_of(conn, home, int(rollout.control_version_id))
        first = rollout.started_at.date()  # a simulation is one simulated experiment: it replaces an earlier one's figures
        conn.execute(update(Rollout).where(Rollout.id == rollout_id).values(simulated=True))
    report(0.02, "choosing simulated members and splitting their ratings into earlier and later")
    ids, keys, split = _members(engine, actor, source, kinds, members, seed)
    if not ids:
        raise Conflict("no MovieLens member taking part in analytics has enough ratings to simulate (load ml-latest-small)")
    services = {None: open_recommender(engine, home), int(rollout.candidate_version_id):
                open_recommender(engine, home, int(rollout.candidate_version_id))}
    arms = {m: version_for(rollout, keys[m], opted_out=False) for m in ids}
    rows = {v: {int(m): r for r, m in enumerate(s.interactions.member_ids)} for v, s in services.items()}
    rng = np.random.default_rng(seed + 1)
    examine = 1.0 / np.log2(np.arange(plan.k) + 2)
    activity = np.array([len(split[m][0]) + len(split[m][1]) for m in ids])
    found: dict[str, Any] = {"stopped": False}
    done = 0
    lists: list[list[int]] = []
    clicked, converted, times, versions, codes = [], [], [], [], []
    latency: dict[int, tuple[int, float, float, float]] = {}  # per version, requests since the first simulated day
    timing: list[Cell] = []
    for d in range(days):
        day = first + timedelta(days=d)
        for code, member in enumerate(ids):
            service = services[arms[member]]
            version = int(service.version.id)
            row = rows[arms[member]].get(member)
            seen, later = split[member]
            started = time.perf_counter()
            try:
                items = _top_k(service, row, seen, plan.k)
                failed = 0.0
            except Exception:  # noqa: BLE001 (a failing model is what the error-rate guardrail measures)
                items, failed = [], 1.0
            ms = (time.perf_counter() - started) * 1000
            n, total, sq, errors = latency.get(version, (0, 0.0, 0.0, 0.0))
            latency[version] = (n + 1, total + ms, sq + ms * ms, errors + failed)
            looked = rng.random(len(items)) < examine[: len(items)]
            hits = [w for w, seen_it in zip(items, looked, strict=True) if seen_it and w in later]
            seen.update(hits)  # what a member took up is history from the next day on
            lists.append(items)
            clicked.append(bool(hits))
            converted.append(any(later[w] >= LIKED for w in hits))  # NaN (a view) never converts
            times.append(float(calendar.timegm(day.timetuple())) + 43200)
            versions.append(version)
            codes.append(code)
        attributed = Attributed(np.array(clicked), np.array(converted), np.full(len(lists), -1), [set() for _ in lists])
        cells = cumulative_cells(np.array(codes), np.array(versions), np.array(times), lists, attributed, catalogue,
                                 activity, plan.k)
        for version, (n, total, sq, errors) in latency.items():  # requests are the unit of latency and errors
            timing += [Cell(version, day.isoformat(), "latency_ms", "", n, total, sq),
                       Cell(version, day.isoformat(), "error_rate", "", n, errors, errors)]
        with engine.begin() as conn:
            stats.replace_cells(conn, rollout_id, cells + timing, "simulated")
            found = monitor.enforce(conn, rollout_id, actor=actor)
        done = d + 1
        report(0.05 + 0.95 * done / days, f"simulated day {done} of {days} ({day.isoformat()}): {len(ids)} members")
        if found["stopped"]:
            break
    return {"rollout_id": rollout_id, "simulated": True, "members": len(ids), "days": done,
            "candidate_members": sum(1 for m in ids if arms[m] is not None), "stopped": found["stopped"],
            "alert_id": found.get("alert_id"), "breached": found.get("breached", []),
            "primary": found.get("primary", {}).get("status")}


def _top_k(service: Any, row: int | None, seen: set[int], k: int) -> list[int]:
    """The version's top-k work ids from the member's earlier ratings (the fallback list when it has none)."""
    inter = service.interactions
    if row is None:
        return [int(inter.work_ids[i]) for i in service.fallback.items[:k]]
    history = inter.matrix[row]
    keep = np.isin(inter.work_ids[history.indices], list(seen))
    history = csr_matrix((history.data[keep], history.indices[keep], [0, int(keep.sum())]), shape=history.shape)
    items, _ = service.model.recommend(np.array([row]), history, k)
    return [int(inter.work_ids[i]) for i in items[0] if i >= 0]
