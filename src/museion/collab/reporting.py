"""What the queue pages, API and CLI show: lists of proposals, one proposal with its reviews, counts, the collaboration
figures per kind or team with reviewer agreement, and the figures a model version's card quotes."""

from __future__ import annotations

import statistics
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from museion.collab import agreement, measures
from museion.collab.calibration import expected_calibration_error, reliability
from museion.collab.models import Proposal, ProposalReview
from museion.collab.queue import HUMAN, active_policy, proposal_row
from museion.security.models import Account
from museion.store.base import as_utc, utcnow

STATUSES = ("open", "claimed", "disputed", "decided", "auto", "undone")
WAITING = ("open", "claimed", "disputed")
_SUMMARY = (Proposal.id, Proposal.kind, Proposal.subject, Proposal.status, Proposal.decider, Proposal.reviewers,
            Proposal.claims, Proposal.confidence, Proposal.risk, Proposal.model_version_id, Proposal.due_at,
            Proposal.created_at, Proposal.decision, Proposal.decided_by, Proposal.decided_at, Proposal.proposed_by)


def _dict(row: Any) -> dict[str, Any]:
    found = dict(row._mapping)
    for key in ("due_at", "created_at", "decided_at"):
        if key in found:
            found[key] = as_utc(found[key])
    return found


def proposals(conn: Connection, *, kind: str | None = None, status: str | None = None, decider: str | None = None,
              limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Proposals, the waiting ones most urgent first, else newest first."""
    query = select(*_SUMMARY)
    for column, value in ((Proposal.kind, kind), (Proposal.status, status), (Proposal.decider, decider)):
        if value is not None:
            query = query.where(column == value)
    order = (Proposal.due_at, Proposal.id) if status in WAITING else (Proposal.id.desc(),)
    return [_dict(r) for r in conn.execute(query.order_by(*order).limit(limit).offset(offset))]


def counts(conn: Connection) -> dict[str, dict[str, int]]:
    """Proposals per kind and status."""
    found: dict[str, dict[str, int]] = {}
    for kind, status, n in conn.execute(select(Proposal.kind, Proposal.status, func.count()).group_by(Proposal.kind, Proposal.status)):
        found.setdefault(kind, {})[status] = n
    return found


def proposal(conn: Connection, proposal_id: int) -> dict[str, Any]:
    """One proposal with payload, evidence, final content and every reviewer's claim and decision."""
    found = _dict(proposal_row(conn, proposal_id))
    reviews = conn.execute(select(ProposalReview.account_id, Account.name, ProposalReview.claimed_at, ProposalReview.decision,
                                  ProposalReview.final, ProposalReview.reason, ProposalReview.decided_at)
                           .join(Account, Account.id == ProposalReview.account_id)
                           .where(ProposalReview.proposal_id == proposal_id).order_by(ProposalReview.id))
    found["reviews"] = [_dict(r) for r in reviews]
    rule = active_policy().kinds.get(found["kind"])
    found["title"], found["title_zh"] = (rule.title, rule.title_zh) if rule else (found["kind"], found["kind"])
    return found


def _decisions(conn: Connection, kind: str | None = None) -> list[tuple[int, int, str]]:
    query = (select(ProposalReview.proposal_id, ProposalReview.account_id, ProposalReview.decision)
             .join(Proposal, Proposal.id == ProposalReview.proposal_id)
             .where(ProposalReview.decision.is_not(None), Proposal.reviewers > 1))
    return [tuple(r) for r in conn.execute(query.where(Proposal.kind == kind) if kind else query)]  # type: ignore[misc]


def minutes_per_decision(conn: Connection) -> float | None:
    """The median time a reviewer held a proposal before deciding it (claim to decision), in minutes."""
    spans = [(as_utc(d) - as_utc(c)).total_seconds() / 60 for c, d in conn.execute(  # type: ignore[operator]
        select(ProposalReview.claimed_at, ProposalReview.decided_at).where(ProposalReview.decided_at.is_not(None))
        .order_by(ProposalReview.id.desc()).limit(10_000))]
    return statistics.median(spans) if spans else None


def metrics(conn: Connection, *, by: str = "kind", since: datetime | None = None, version_id: int | None = None) -> dict[str, Any]:
    """Collaboration figures per kind (or per team: the deciding role), agreement per kind and per reviewer pair."""
    if by not in ("kind", "team"):
        raise ValueError("by must be kind or team")
    group = Proposal.kind if by == "kind" else Proposal.decider
    query = select(group, Proposal.status, Proposal.decision, Proposal.created_at, Proposal.decided_at, Proposal.due_at,
                   Proposal.payload, Proposal.final)
    if since is not None:
        query = query.where(Proposal.created_at >= since)
    if version_id is not None:
        query = query.where(Proposal.model_version_id == version_id)
    items = [measures.Item(r[0], r.status, r.decision, as_utc(r.created_at), as_utc(r.decided_at), as_utc(r.due_at),  # type: ignore[arg-type]
                           r.payload, r.final) for r in conn.execute(query)]
    minutes = minutes_per_decision(conn)
    names = dict(conn.execute(select(Account.id, Account.name)).all())
    kinds = sorted({k for (k,) in conn.execute(select(Proposal.kind).distinct())})
    return {
        "by": by, "minutes_per_decision": minutes,
        "figures": [asdict(f) for f in measures.figures(items, utcnow(), minutes)],
        "agreement": [{"kind": k, "alpha": agreement.alpha(_decisions(conn, k)),
                       "pairs": [{**asdict(p), "first_name": names.get(p.first), "second_name": names.get(p.second)}
                                 for p in agreement.pairs(_decisions(conn, k))]} for k in kinds],
        "calibration": [found for k in kinds if (found := calibration(conn, k))["decisions"]],
    }


def calibration(conn: Connection, kind: str, bins: int = 10) -> dict[str, Any]:
    """How well the AI's confidence on ``kind`` matched people's decisions (accepted as is or edited counts as
    accepted): a reliability table and the expected calibration error, over every human decision with a confidence."""
    rows = conn.execute(select(Proposal.confidence, Proposal.decision).where(
        Proposal.kind == kind, Proposal.decision.in_(HUMAN), Proposal.confidence.is_not(None))).all()
    confidence, accepted = [r.confidence for r in rows], [r.decision != "reject" for r in rows]
    return {"kind": kind, "decisions": len(rows), "ece": expected_calibration_error(confidence, accepted, bins) if rows else None,
            "bins": [b.as_dict() for b in reliability(confidence, accepted, bins) if b.count]}


def version_figures(conn: Connection, version_id: int) -> list[dict[str, Any]]:
    """The collaboration figures of the proposals one model version made: what its model card quotes."""
    return metrics(conn, version_id=version_id)["figures"]
