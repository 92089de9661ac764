"""Planner and segment work as jobs (service): solving and explaining a plan (re-solving without each quota, LP
duals, the greedy baseline), the what-if comparison, proposing a plan, and clustering members into segments take
seconds, so the faces start a job (``insight_plan``, ``insight_segments``) and show its result when it is done.

A plan job's parameters are its specs as ``PlanSpec.as_dict`` gives them (plus the web form it came from, to fill
the form again); its result is the explained plan, the scenarios side by side, or the id of the proposed plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from museion.errors import MuseionError
from museion.insight import plans
from museion.insight.planner import validate_constraints
from museion.insight.segmenting import cluster, describe, read_inputs

ACTIONS = ("preview", "compare", "propose")
Progress = Callable[[float, str], None]


def spec_from(data: dict[str, Any]) -> plans.PlanSpec:
    """A ``PlanSpec`` back from its JSON form (lists become the tuples the spec holds)."""
    window = data.get("window")
    return plans.PlanSpec(**{**data, "availability": [tuple(a) for a in data.get("availability") or []],
                             "window": tuple(window) if window else None})


def plan_params(action: str, specs: list[plans.PlanSpec], form: dict[str, str] | None = None) -> dict[str, Any]:
    """The parameters of an ``insight_plan`` job."""
    if action not in ACTIONS:
        raise MuseionError("unknown plan action %(action)s: use %(actions)s", action=action, actions=", ".join(ACTIONS))
    for spec in specs:  # what needs no candidates is refused at once, not in a failed job
        validate_constraints(spec.constraints())
    return {"action": action, "specs": [s.as_dict() for s in specs], "form": form or {}}


def run_plan(engine: Engine, actor: str, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Preview (solve and explain, nothing stored), compare (the scenarios side by side, or the standard what-if of
    one spec) or propose (store and queue for review) — in one transaction, so a failure leaves nothing written."""
    action, specs = params.get("action", "preview"), [spec_from(s) for s in params.get("specs") or []]
    if action not in ACTIONS or not specs:
        raise MuseionError("a plan job needs an action (%(actions)s) and at least one spec", actions=", ".join(ACTIONS))
    if action == "propose":  # solved and stored in one transaction: no progress reports inside (SQLite's write lock)
        progress(0.05, "reading candidates through the gate, then solving, explaining and storing the plan")
        with engine.begin() as conn:
            plan_id = plans.propose_plan(conn, actor, specs[0])
        return {"action": action, "plan_id": plan_id, "name": specs[0].name}
    progress(0.05, "reading candidates through the gate")
    with engine.begin() as conn:  # the read commits before solving, so progress reports hold no lock
        candidates = plans.pool(conn, actor, specs[0])
    if action == "compare":
        progress(0.3, "solving every scenario on the same candidates")
        return {"action": action, "scenarios": plans.compared(candidates, specs if len(specs) > 1
                                                               else plans.what_if(specs[0]))}
    progress(0.3, "solving, then re-solving without each constraint to price it")
    return {"action": action, "plan": plans.explained(candidates, specs[0])}


def run_segments(engine: Engine, actor: str, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Segment the members taking part in analytics (k from 2 to ``k_max``), profiles and stability across seeds."""
    k_max = int(params.get("k_max", 8))
    if not 2 <= k_max <= 20:
        raise MuseionError("k_max must be between 2 and 20, not %(k)s", k=k_max)
    progress(0.02, "reading activity through the gate")
    with engine.begin() as conn:  # the read commits before clustering, so progress reports hold no lock
        inputs = read_inputs(conn, actor, source=params.get("source"))
    found = cluster(inputs, ks=range(2, k_max + 1), progress=lambda done, message: progress(0.1 + 0.85 * done, message))
    return describe(inputs, found)
