"""Fairness drift alerts: after each audit, figures that worsened since the previous audit of the same version and
scope go to the collaboration queue as a risk alert for an analyst. An accepted alert opens a re-review round of the
deployed version; alerts marked as false alarms raise that figure's tolerance for the next audits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from museion.collab.queue import Draft, Outcome, on_decided, outcomes, propose_many
from museion.errors import Conflict
from museion.fairness.drift import WATCHED, drifts, learned_tolerance
from museion.registry import lifecycle
from museion.registry.models import FairnessAudit, ModelVersion

KIND = "risk.alert"
SOURCE = "fairness.drift"


def tolerances(conn: Connection) -> dict[str, float]:
    """Each watched figure's tolerance, learned from every drift alert people have judged."""
    judged: dict[str, list[tuple[float, bool]]] = {figure: [] for figure in WATCHED}
    for outcome in outcomes(conn, KIND):
        alert = outcome.proposed
        if alert.get("source") == SOURCE and alert.get("figure") in judged and outcome.decision in ("accept", "edit", "reject"):
            judged[alert["figure"]].append((float(alert["worsened_by"]), outcome.decision != "reject"))
    return {figure: learned_tolerance(found) for figure, found in judged.items()}


def propose_drift_alerts(conn: Connection, version_id: int, audit_id: int, scope: str, summary: dict[str, Any]) -> list[int]:
    """Compare audit ``audit_id`` with the previous one of the version and scope; queue one alert per worsened figure."""
    previous = conn.execute(select(FairnessAudit.id, FairnessAudit.summary).where(
        FairnessAudit.model_version_id == version_id, FairnessAudit.scope == scope, FairnessAudit.id < audit_id)
        .order_by(FairnessAudit.id.desc()).limit(1)).first()
    if previous is None:
        return []
    found = drifts(previous.summary, summary, tolerances(conn))
    return propose_many(conn, [Draft(
        kind=KIND, subject=f"model_version:{version_id}", proposed_by=SOURCE, model_version_id=version_id, risk="medium",
        payload={"source": SOURCE, "figure": d.figure, "worsened_by": round(d.worsened_by, 6)},
        evidence={"audits": [previous.id, audit_id], "scope": scope, "before": d.before, "after": d.after},
        confidence=None) for d in found])


@on_decided(KIND)
def _alert_decided(conn: Connection, outcome: Outcome) -> None:
    """An accepted drift alert on the deployed version opens its re-review round (unless one is open already)."""
    if outcome.decision not in ("accept", "edit") or outcome.proposed.get("source") != SOURCE:
        return
    version_id = outcome.model_version_id
    status = conn.scalar(select(ModelVersion.status).where(ModelVersion.id == version_id))
    if status == lifecycle.DEPLOYED:
        try:
            lifecycle.start_review(conn, version_id, actor=outcome.decided_by,  # type: ignore[arg-type]
                                   reason=f"fairness drift alert {outcome.proposal_id} accepted")
        except Conflict:
            return  # a round is already open: the alert is evidence for it
