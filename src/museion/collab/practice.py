"""Learning to work with the AI: what a role's guide shows for each kind it decides (the latest model version behind
the kind, with the limitations its card declares, and how people have decided so far), and practice rounds on
proposals experienced reviewers already decided — the trainee decides, then sees what they decided and why. Practice
reads only; nothing it does reaches the queue or the capability."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Connection, func, select

from museion.collab.models import Proposal, ProposalReview
from museion.collab.queue import HUMAN, active_policy
from museion.collab.reporting import proposal
from museion.errors import NotFound
from museion.registry.cards import card_row


def guide(conn: Connection, role: str) -> list[dict[str, Any]]:
    """For every kind ``role`` decides or settles: the rule, the model version behind the latest proposal and its
    card's known limitations, and how people decided the kind so far."""
    found = []
    for rule in active_policy().kinds.values():
        if role not in (rule.decider, rule.resolver):
            continue
        version = conn.scalar(select(Proposal.model_version_id).where(Proposal.kind == rule.kind,
                                                                      Proposal.model_version_id.is_not(None))
                              .order_by(Proposal.id.desc()).limit(1))
        card = card_row(conn, version) if version else None
        decided = dict(conn.execute(select(Proposal.decision, func.count()).where(Proposal.kind == rule.kind,
                                                                                  Proposal.decision.is_not(None))
                                    .group_by(Proposal.decision)).all())
        found.append({"rule": rule, "decides": rule.decider == role, "version": version,
                      "limitations": [line for line in ((card.limitations if card else None) or "").splitlines() if line.strip()],
                      "decided": decided})
    return found


def practice_item(conn: Connection, role: str, *, seed: int | None = None) -> dict[str, Any] | None:
    """A proposal of a kind ``role`` decides that a person other than the AI already decided, without its decision."""
    kinds = [r.kind for r in active_policy().kinds.values() if r.decider == role]
    ids = list(conn.scalars(select(Proposal.id).where(Proposal.kind.in_(kinds), Proposal.decision.in_(HUMAN))
                            .order_by(Proposal.id.desc()).limit(500)))
    if not ids:
        return None
    found = proposal(conn, random.Random(seed).choice(ids))
    return {key: found[key] for key in ("id", "kind", "subject", "payload", "evidence", "confidence", "risk", "title",
                                        "title_zh", "model_version_id")}


def compare(conn: Connection, role: str, proposal_id: int, choice: str) -> dict[str, Any]:
    """How experienced reviewers decided the practice proposal, and whether the trainee's ``choice`` matches."""
    found = proposal(conn, proposal_id)
    if found["decider"] != role or found["decision"] not in HUMAN:
        raise NotFound("proposal %(id)s is not a practice proposal for your role", id=proposal_id)
    reviews = conn.execute(select(ProposalReview.decision, ProposalReview.reason).where(
        ProposalReview.proposal_id == proposal_id, ProposalReview.decision.is_not(None))).all()
    return {"proposal": found, "choice": choice, "decision": found["decision"], "final": found["final"],
            "reasons": [r.reason for r in reviews if r.reason] or ([found["reason"]] if found["reason"] else []),
            "agrees": choice == found["decision"]}
