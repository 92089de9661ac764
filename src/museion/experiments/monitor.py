"""Reading a rollout and enforcing its stop rules (service): the verdicts of its pre-registered primary metric and
guardrails on the stored statistics, the sample-size plan, and, when a guardrail is breached while it runs, the
candidate switched off at once with a high-severity alert (``museion.risk.alerts``, kind ``experiment``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection

from museion.experiments import rollouts, stats
from museion.experiments.design import Plan, evaluate
from museion.experiments.sequential import plan_sample
from museion.registry.rollout_models import RUNNING
from museion.risk.alerts import raise_alert

DETECTOR = "experiments.guardrail"


def assess(conn: Connection, rollout_id: int) -> dict[str, Any]:
    """The rollout with its plan, the statistics' source (served traffic when any was measured, else simulated), every
    verdict with its curve, and the planned sample size per arm."""
    rollout = rollouts.get(conn, rollout_id)
    plan = Plan.from_dict(rollout.plan)
    stored = stats.cells(conn, rollout_id)
    source = "served" if any(c["source"] == "served" for c in stored) else "simulated" if stored else None
    chosen = [c for c in stored if c["source"] == source]
    found = evaluate(chosen, int(rollout.control_version_id), int(rollout.candidate_version_id), plan)
    return {"rollout": {k: v for k, v in rollout._mapping.items() if k != "salt"}, "plan": plan.as_dict(), "source": source,
            "primary": asdict(found["primary"]), "guardrails": [asdict(g) for g in found["guardrails"]],
            "breached": [f"{g.metric}{'/' + g.grp if g.grp else ''}" for g in found["breached"]],
            "sample_plan": asdict(plan_sample(plan.baseline, plan.effect, alpha=plan.alpha, power=plan.power)),
            "metrics": sorted({c["metric"] for c in chosen})}


def enforce(conn: Connection, rollout_id: int, *, actor: str) -> dict[str, Any]:
    """Assess the rollout; a running one with a breached guardrail is stopped and an alert raised. Returns the
    assessment with ``stopped`` and ``alert_id``."""
    found = assess(conn, rollout_id)
    rollout = found["rollout"]
    found["stopped"], found["alert_id"] = False, None
    if rollout["state"] != RUNNING or not found["breached"]:
        return found
    names = ", ".join(found["breached"])
    evidence = {"rollout_id": rollout_id, "candidate_version_id": rollout["candidate_version_id"],
                "control_version_id": rollout["control_version_id"], "breached": found["breached"], "source": found["source"],
                "guardrails": [{k: g[k] for k in ("metric", "grp", "tolerance", "status", "control_mean", "candidate_mean")}
                               | {"last": g["curve"][-1] if g["curve"] else None} for g in found["guardrails"]]}
    rollouts.stop(conn, rollout_id, actor=actor, reason=f"guardrail breached: {names}", action="guardrail_breach",
                  details={"breached": found["breached"]})
    raised = raise_alert(conn, kind="experiment", detector=DETECTOR, severity="high", subject=f"rollout:{rollout_id}",
                         summary=f"Rollout {rollout_id} stopped automatically: the candidate (version "
                                 f"{rollout['candidate_version_id']}) breached the guardrail {names}; every member is "
                                 "served the deployed version again.", evidence=evidence, actor=actor,
                         simulated=bool(rollout["simulated"]))
    found["stopped"], found["alert_id"] = True, raised.alert_id
    found["rollout"] = {**rollout, "state": "stopped"}
    return found
