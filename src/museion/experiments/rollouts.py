"""Controlled rollouts (service): start a reviewed candidate beside the deployed version on a share of members
(canary or A/B), change the split, stop, and decide (ship deploys the candidate, keep leaves the deployed version);
every step is a ``rollout_records`` row and an audit-chain entry on both versions, so it appears on their cards, in
the public disclosure and in the filing pack. One rollout at a time: every member is in one arm or the other of the
running one, so a second would overlap on the same members."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from museion import audit
from museion.errors import Conflict, MuseionError, NotFound
from museion.experiments.design import Plan
from museion.registry import lifecycle, rollouts
from museion.registry.rollout_models import DECIDED, MODES, RUNNING, STOPPED, Rollout, RolloutRecord
from museion.security.permissions import Perm, allowed
from museion.store.base import utcnow

CANARY_MAX = 0.2
DEFAULT_SHARE = {"canary": 0.05, "ab": 0.5}
DECISIONS = ("ship", "keep")


class RolloutRefused(Conflict):
    """A rollout step was refused; the message says why and what to do instead."""


def _record(conn: Connection, rollout: Any, action: str, actor: str, reason: str, details: dict[str, Any]) -> None:
    conn.execute(insert(RolloutRecord).values(rollout_id=rollout.id, action=action, actor=actor, reason=reason,
                                              details=details, at=utcnow()))
    for version in (rollout.control_version_id, rollout.candidate_version_id):
        audit.record(conn, actor=actor, action=f"experiment.{action}", target=f"model_version:{version}",
                     details={"rollout_id": int(rollout.id), **{k: v for k, v in details.items()
                                                                if isinstance(v, int | float | bool)}})


def get(conn: Connection, rollout_id: int) -> Any:
    row = conn.execute(select(Rollout).where(Rollout.id == rollout_id)).first()
    if row is None:
        raise NotFound("no rollout %(id)s", id=rollout_id)
    return row


def _share(mode: str, share: float | None) -> float:
    if mode not in MODES:
        raise MuseionError("mode: %(mode)s is not canary or ab", mode=mode)
    share = DEFAULT_SHARE[mode] if share is None else float(share)
    if not 0 < share < 1:
        raise MuseionError("share: %(share)s must be strictly between 0 and 1", share=share)
    if mode == "canary" and share > CANARY_MAX:
        raise MuseionError("share: a canary serves at most %(max)s of members; use mode ab for a larger share",
                           max=CANARY_MAX)
    return share


def start(conn: Connection, home: Path, candidate_id: int, *, actor: str, mode: str = "canary", share: float | None = None,
          plan: Plan | None = None, reason: str = "", simulated: bool = False) -> int:
    """Start a rollout of an approved candidate beside the deployed version; returns its id."""
    plan = plan or Plan()
    share = _share(mode, share)
    control = lifecycle.deployed_version_id(conn)
    if control is None:
        raise RolloutRefused("no version is deployed, so there is nothing to compare a candidate with: deploy one first")
    candidate = lifecycle.recommender(conn, candidate_id)
    if candidate_id == control:
        raise RolloutRefused("model version %(id)s is the deployed version: name a reviewed candidate", id=candidate_id)
    if candidate.status != lifecycle.APPROVED:
        raise RolloutRefused("model version %(id)s is %(status)s: only a version the review board approved may serve "
                             "members beside the deployed one (next step: %(step)s)", id=candidate_id,
                             status=candidate.status, step=lifecycle.next_step(candidate_id, candidate.status,
                                                                             review_open=candidate.review_open))
    lifecycle.check_sealed(conn, home, candidate)
    found = rollouts.running(conn)
    if found is not None:
        raise RolloutRefused("rollout %(id)s (version %(candidate)s beside %(control)s) already runs on the same members; "
                             "stop it first: two experiments on the same members would confound each other",
                             id=found.id, candidate=found.candidate_version_id, control=found.control_version_id)
    try:
        rollout_id = int(conn.execute(insert(Rollout).values(
            control_version_id=control, candidate_version_id=candidate_id, mode=mode, share=share,
            salt=secrets.token_hex(8), state=RUNNING, plan=plan.as_dict(), simulated=simulated, started_by=actor,
            started_at=utcnow())).inserted_primary_key[0])
    except IntegrityError:
        raise RolloutRefused("another rollout was started at the same moment; stop it first") from None
    _record(conn, get(conn, rollout_id), "started", actor, reason or f"{mode} of version {candidate_id} started",
            {"mode": mode, "share": share, "primary": plan.primary, "guardrails": plan.guardrails, "simulated": simulated})
    return rollout_id


def set_share(conn: Connection, rollout_id: int, share: float, *, actor: str, reason: str) -> None:
    """Change the candidate's share of a running rollout (a canary ramping up); members keep their place in [0, 1)."""
    rollout = _running(conn, rollout_id)
    share = _share(rollout.mode, share)
    conn.execute(update(Rollout).where(Rollout.id == rollout_id).values(share=share))
    _record(conn, rollout, "split", actor, reason or "split changed", {"share_from": rollout.share, "share": share})


def _running(conn: Connection, rollout_id: int) -> Any:
    rollout = get(conn, rollout_id)
    if rollout.state != RUNNING:
        raise RolloutRefused("rollout %(id)s is %(state)s, not running", id=rollout_id, state=rollout.state)
    return rollout


def stop(conn: Connection, rollout_id: int, *, actor: str, reason: str, action: str = "stopped",
         details: dict[str, Any] | None = None) -> None:
    """Switch the candidate off: every member is served the deployed version from the next request."""
    if not reason.strip():
        raise MuseionError("reason: say why the rollout stops")
    rollout = _running(conn, rollout_id)
    done = conn.execute(update(Rollout).where(Rollout.id == rollout_id, Rollout.state == RUNNING)
                        .values(state=STOPPED, stopped_at=utcnow(), stop_reason=reason)).rowcount
    if done != 1:
        raise RolloutRefused("rollout %(id)s changed while it was being stopped; retry", id=rollout_id)
    _record(conn, rollout, action, actor, reason, details or {})


def may_decide(role: str, decision: str) -> bool:
    """Those who run experiments (the review board, administrators: ``experiments:run``) may decide to keep the deployed
    version; shipping deploys the candidate to every member, which stays the deployment gate's act (``models:deploy``),
    on a version the board approved with every approval the review policy requires (``lifecycle.deploy`` checks)."""
    return decision != "ship" or allowed(role, Perm.MODELS_DEPLOY)


def decide(conn: Connection, home: Path, rollout_id: int, decision: str, *, actor: str, reason: str,
           evidence: dict[str, Any]) -> int | None:
    """Record the decision with its evidence (stopping the rollout first); ship deploys the candidate (returning the
    version it replaced), keep leaves the deployed version serving."""
    if decision not in DECISIONS:
        raise MuseionError("decision: %(decision)s is not ship or keep", decision=decision)
    if not reason.strip():
        raise MuseionError("reason: say why")
    rollout = get(conn, rollout_id)
    if rollout.state == DECIDED:
        raise RolloutRefused("rollout %(id)s was already decided (%(decision)s)", id=rollout_id, decision=rollout.decision)
    if rollout.state == RUNNING:
        stop(conn, rollout_id, actor=actor, reason=f"decided: {decision}")
    replaced = None
    if decision == "ship":
        replaced = lifecycle.deploy(conn, home, int(rollout.candidate_version_id), actor=actor,
                                    reason=f"shipped after rollout {rollout_id}: {reason}")
    conn.execute(update(Rollout).where(Rollout.id == rollout_id).values(state=DECIDED, decision=decision, decided_by=actor,
                                                                         evidence=evidence))
    _record(conn, rollout, "decided", actor, reason, {"decision": decision})
    return replaced


def listing(conn: Connection, version_id: int | None = None) -> list[dict[str, Any]]:
    """Rollouts, newest first, with their records (of one version, when named)."""
    return rollouts.rollouts_of(conn, version_id)
