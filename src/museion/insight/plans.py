"""Promotion and budget plans (service): candidates from the catalogue with their expected engagement, the planner's
optimal plan with its explanation and the greedy baseline, stored as a record (``insight_plans``) and proposed into
the collaboration queue as ``insight.plan``, where people accept, edit or reject it.

Expected engagement of a work: its events over the last ``recent_days`` of activity read through the gate (purpose
analytics; a work seen by fewer than k distinct members counts 0, its figure is never published), scaled to a year and
multiplied by its genres' trend from the demand cells (the last 12 months against the 12 before, clipped to ½–2).
Groups are labels from the public catalogue (genre, era, creators' gender and nationality), the fairness audit's
popularity tiers, and ``emerging`` (works of the catalogue's latest three years)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, update

from museion.catalog.models import Work
from museion.collab.queue import Draft, Outcome, on_decided, propose
from museion.errors import MuseionError, NotFound
from museion.fairness.groups import popularity_tiers
from museion.insight.groups import work_groups
from museion.insight.plan_table import InsightPlan
from museion.insight.planner import Candidates, Constraints, Diversity, Quota, solve
from museion.insight.whatif import Scenario, baseline, compare, explain
from museion.privacy import gate
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.demand import demand_cells
from museion.store.base import utcnow
from museion.store.batches import rows_in_batches

KIND = "insight.plan"
DIMENSIONS = ("genre", "era", "creator_gender", "creator_nationality")
SHOWN = 60  # works listed in a proposal's evidence


@dataclass(frozen=True)
class PlanSpec:
    """A manager's request, as every face states it."""

    name: str = "plan"
    slots: int | None = None
    budget: float | None = None
    quotas: dict[str, float] = field(default_factory=dict)  # group -> minimum share of the plan
    max_share: dict[str, float] = field(default_factory=dict)  # dimension -> most a single value may take
    min_distinct: dict[str, int] = field(default_factory=dict)  # dimension -> values the plan must cover
    costs: dict[str, float] = field(default_factory=dict)  # work key -> cost (others: default_cost)
    default_cost: float = 1.0
    availability: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (key, from, until) ISO dates
    window: tuple[str, str] | None = None  # the plan's dates; a listed work must be available throughout
    source: str | None = None  # a catalogue source (movielens, tate…), else every work

    def constraints(self) -> Constraints:
        dims = sorted(set(self.max_share) | set(self.min_distinct))
        return Constraints(self.slots, self.budget, tuple(Quota(g, s) for g, s in sorted(self.quotas.items())),
                           tuple(Diversity(d, self.max_share.get(d), self.min_distinct.get(d)) for d in dims))

    def as_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Pool:
    candidates: Candidates
    titles: list[str]
    suppressed: int  # works whose demand stayed under k members (expected engagement 0)


def _trend(conn: Connection, actor: str, genres: dict[int, list[str]]) -> dict[str, float]:
    cells = demand_cells(conn, actor=actor, period="month", groups=genres)
    out: dict[str, float] = {}
    for label, row in zip(cells.groups, cells.counts, strict=True):
        last, before = np.nansum(row[-12:]), np.nansum(row[-24:-12])
        out[label] = float(np.clip(last / before, 0.5, 2.0)) if before > 0 else 1.0
    return out


def pool(conn: Connection, actor: str, spec: PlanSpec, *, recent_days: int = 730) -> Pool:
    """The candidate works with expected engagement, cost, groups and availability (one gate read, one demand read)."""
    events = gate.read_activity(conn, purpose=gate.ANALYTICS, actor=actor)
    q = select(Work.id, Work.key, Work.title, Work.year).order_by(Work.id)
    if spec.source is not None:
        works = conn.execute(q.where(Work.source == spec.source)).all()
    else:  # works people engaged with (the catalogue's other records have no demand to plan with)
        seen = sorted({int(w) for w in np.unique(events.work_ids)})
        works = sorted(rows_in_batches(conn, lambda chunk: q.where(Work.id.in_(chunk)), seen), key=lambda r: r.id)
    if not works:
        raise NotFound("no works %(scope)s to plan with", scope=f"from {spec.source}" if spec.source else "with recorded demand")
    ids = np.array([w.id for w in works], dtype=np.int64)
    at = {int(w): i for i, w in enumerate(ids)}
    total = np.zeros(len(ids))
    recent = np.zeros(len(ids))
    suppressed = 0
    if len(events):
        known = np.isin(events.work_ids, ids)
        w, m, t = events.work_ids[known], events.member_ids[known], events.timestamps[known]
        idx = np.array([at[int(x)] for x in w], dtype=np.int64)
        np.add.at(total, idx, 1.0)
        latest = np.nanmax(t) if np.isfinite(t).any() else np.nan
        keep = (t >= latest - recent_days * 86400) if np.isfinite(latest) else np.ones(len(t), bool)
        np.add.at(recent, idx[keep], 1.0)
        pairs = np.unique(np.stack([idx[keep], m[keep]]), axis=1)[0] if keep.any() else np.empty(0, np.int64)
        members = np.bincount(pairs, minlength=len(ids))
        small = (recent > 0) & (members < SMALL_CELL)
        suppressed, recent[small] = int(small.sum()), 0.0
    labels = {d: work_groups(conn, d, source=spec.source) for d in DIMENSIONS}
    trend = _trend(conn, actor, labels["genre"]) if labels["genre"] and len(events) else {}
    factor = np.array([np.mean([trend.get(g, 1.0) for g in labels["genre"].get(int(w), [])] or [1.0]) for w in ids])
    value = recent * 365.0 / recent_days * factor
    groups: dict[str, np.ndarray] = {}
    for d, found in labels.items():
        for wid, ls in found.items():
            for label in ls if wid in at else ():
                groups.setdefault(f"{d}:{label}", np.zeros(len(ids), bool))[at[wid]] = True
    for tier in ("head", "mid", "tail"):
        groups[f"tier:{tier}"] = popularity_tiers(total) == tier
    years = np.array([np.nan if w.year is None else w.year for w in works], dtype=float)
    if np.isfinite(years).any():
        groups["emerging"] = years >= np.nanmax(years) - 2
    keys = [w.key for w in works]
    if unknown := sorted(set(spec.costs) - set(keys)):
        raise NotFound("no candidate work %(keys)s (costs)", keys=", ".join(unknown[:5]))
    cost = np.array([spec.costs.get(k, spec.default_cost) for k in keys], dtype=float)
    available = np.ones(len(ids), bool)
    if spec.availability:
        if spec.window is None:
            raise MuseionError("give the plan's first and last day to check the works' availability against")
        start, end = spec.window
        index = {k: i for i, k in enumerate(keys)}
        for key, since, until in spec.availability:
            if key not in index:
                raise NotFound("no work %(key)s in the catalogue (availability)", key=key)
            if (since and since > start) or (until and until < end):
                available[index[key]] = False
    return Pool(Candidates(keys, value, cost, groups, available), [w.title for w in works], suppressed)


def _works(p: Pool, chosen: np.ndarray) -> list[dict[str, Any]]:
    c = p.candidates
    return [{"key": c.keys[i], "title": p.titles[i], "value": round(float(c.value[i]), 2), "cost": float(c.cost[i]),
             "groups": sorted(g for g, mask in c.groups.items() if mask[i] and not g.startswith("creator_nationality"))[:8]}
            for i in chosen]


def make_plan(conn: Connection, actor: str, spec: PlanSpec) -> dict[str, Any]:
    """Solve, explain and compare with the greedy baseline; nothing is written."""
    return explained(pool(conn, actor, spec), spec)


def explained(p: Pool, spec: PlanSpec) -> dict[str, Any]:
    """The plan for ``spec`` over the candidates ``p`` with its explanation and the greedy baseline (no database)."""
    cons = spec.constraints()
    plan = solve(p.candidates, cons)
    why = explain(p.candidates, cons, plan)
    watched = sorted({q.group for q in cons.quotas})
    return {"name": spec.name, "objective": plan.objective, "spend": plan.spend, "optimal": plan.optimal,
            "seconds": plan.seconds, "candidates": len(p.candidates.keys), "suppressed": p.suppressed,
            "works": _works(p, plan.chosen), "shares": plan.shares({g: p.candidates.groups[g] for g in watched}),
            "unconstrained": why.unconstrained, "lp_bound": why.lp_bound, "distance": why.distance,
            "costs": [asdict(c) for c in why.costs], "sentences": [[t, v] for t, v in why.sentences],
            "greedy": {k: v for k, v in baseline(p.candidates, cons).items() if k != "chosen"}}


def propose_plan(conn: Connection, actor: str, spec: PlanSpec) -> int:
    """Make the plan, store it and propose it into the queue (two algorithm reviewers decide); returns the plan id."""
    found = make_plan(conn, actor, spec)
    row = conn.execute(InsightPlan.__table__.insert().values(
        name=spec.name[:255], constraints=spec.as_dict(), plan=found, objective=found["objective"], status="proposed",
        created_by=actor).returning(InsightPlan.id)).scalar_one()
    english = [t % v for t, v in found["sentences"]]
    pid = propose(conn, Draft(
        kind=KIND, subject=f"plan:{row}", proposed_by=actor, risk="medium",
        payload={"plan_id": int(row), "name": spec.name, "works": [w["key"] for w in found["works"]]},
        evidence={"explanation": english, "expected_engagement": round(found["objective"], 2),
                  "unconstrained_optimum": round(found["unconstrained"], 2), "greedy": found["greedy"],
                  "choices": [f"{w['key']} · {w['title']} · {w['value']:.1f}" for w in found["works"][:SHOWN]]}))
    conn.execute(update(InsightPlan).where(InsightPlan.id == row).values(proposal_id=pid))
    return int(row)


def scenarios(conn: Connection, actor: str, specs: list[PlanSpec]) -> list[dict[str, Any]]:
    """What-if: the same candidates (of the first spec) under each spec's constraints, side by side."""
    if not specs:
        raise MuseionError("name at least one scenario to compare")
    return compared(pool(conn, actor, specs[0]), specs)


def compared(p: Pool, specs: list[PlanSpec]) -> list[dict[str, Any]]:
    """Each spec's plan over the same candidates ``p``, side by side (no database)."""
    out = []
    for r in compare(p.candidates, [Scenario(s.name, s.constraints()) for s in specs]):
        out.append({"name": r.name, "objective": None if r.plan is None else r.plan.objective,
                    "works": 0 if r.plan is None else len(r.plan.chosen), "conflict": r.conflict, "shares": r.shares,
                    "overlap": r.overlap, "spend": None if r.plan is None else r.plan.spend})
    return out


def what_if(spec: PlanSpec) -> list[PlanSpec]:
    """The standard what-if: the plan as stated, without each quota in turn, and with slots and budget only."""
    base = replace(spec, name="as stated")
    return ([base] + [replace(spec, name=f"without {g}", quotas={k: v for k, v in spec.quotas.items() if k != g})
                      for g in sorted(spec.quotas)]
            + [replace(spec, name="slots and budget only", quotas={}, max_share={}, min_distinct={})])


def _row(r: Any) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "status": r.status, "objective": r.objective, "proposal_id": r.proposal_id,
            "created_by": r.created_by, "created_at": r.created_at, "decided_by": r.decided_by,
            "decided_at": r.decided_at, "constraints": r.constraints, "plan": r.plan, "final": r.final}


def plans(conn: Connection, *, limit: int = 50) -> list[dict[str, Any]]:
    """Stored plans, newest first."""
    return [_row(r) for r in conn.execute(select(InsightPlan).order_by(InsightPlan.id.desc()).limit(limit))]


def plan(conn: Connection, plan_id: int) -> dict[str, Any]:
    r = conn.execute(select(InsightPlan).where(InsightPlan.id == plan_id)).first()
    if r is None:
        raise NotFound("no plan %(id)s", id=plan_id)
    return _row(r)


@on_decided(KIND)
def _plan_decided(conn: Connection, outcome: Outcome) -> None:
    """Mark the plan accepted, edited (the works people kept) or rejected; an edit names catalogue works only."""
    plan_id = outcome.proposed.get("plan_id")
    status = {"accept": "accepted", "edit": "edited", "reject": "rejected"}.get(outcome.decision)
    if status is None or not isinstance(plan_id, int):
        return
    final = None
    if status == "edited" and outcome.final is not None:
        works = outcome.final.get("works")
        if not isinstance(works, list) or not works or len(set(works)) != len(works):
            raise MuseionError("an edited plan names each work once, and at least one")
        known = set(conn.scalars(select(Work.key).where(Work.key.in_(works))))
        if unknown := [w for w in works if w not in known]:
            raise MuseionError("no work %(keys)s in the catalogue", keys=", ".join(map(str, unknown[:5])))
        final = {"works": works}
    conn.execute(update(InsightPlan).where(InsightPlan.id == plan_id).values(
        status=status, decided_by=outcome.decided_by, decided_at=utcnow(), final=final))


def share_of(text: str) -> float:
    """'30%', '0.3' → 0.3."""
    raw = text.strip()
    try:
        return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise MuseionError("%(text)r is not a share (write 0.3 or 30%%)", text=text) from None


def pairs(items: list[str] | None, what: str) -> dict[str, str]:
    """'NAME=VALUE' items (CLI options, lines of a form) as a dict; a malformed item is a clear error."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.strip().rpartition("=")
        if not sep or not name.strip() or not value.strip():
            raise MuseionError("write each %(what)s as NAME=VALUE, not %(item)r", what=what, item=item)
        out[name.strip()] = value.strip()
    return out


def windows(items: list[str] | None) -> list[tuple[str, str | None, str | None]]:
    """'KEY=FROM..UNTIL' (ISO dates; either side may be empty) as availability windows."""
    out = []
    for key, span in pairs(items, "availability").items():
        since, sep, until = span.partition("..")
        if not sep:
            raise MuseionError("write availability as KEY=FROM..UNTIL (ISO dates), not %(span)r", span=span)
        out.append((key, since.strip() or None, until.strip() or None))
    return out
