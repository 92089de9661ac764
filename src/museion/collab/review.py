"""Reviewing the queue: claim the next proposal (never one another reviewer holds), decide it — accept, edit or reject
with a reason — alone or in a homogeneous batch, settle disagreements as the senior role, and undo what the AI did
alone. Decisions, releases, settlements and undos go to the audit chain (a claim is recorded in its review row); a
refused step changes nothing and says why."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, delete, exists, func, insert, select, update

from museion import audit
from museion.collab.models import Proposal, ProposalReview
from museion.collab.queue import AUTO, Outcome, active_policy, checked_json, hand_over, notify, proposal_row
from museion.errors import Conflict, MuseionError, NotFound
from museion.store.base import utcnow

DECISIONS = ("accept", "edit", "reject")
OPEN, CLAIMED, DISPUTED, DECIDED, AUTOMATIC, UNDONE = "open", "claimed", "disputed", "decided", "auto", "undone"
MAX_REASON = 2_000
CLAIM_HOURS = 8.0  # a claim held this long without a decision goes back to the queue
_LAST_SWEEP = [float("-inf")]  # monotonic time of this process's last sweep of stale claims


@dataclass(frozen=True)
class Reviewer:
    """Who acts: an account, in the role the policy routes by."""
    account_id: int
    role: str

    @property
    def actor(self) -> str:
        return f"account:{self.account_id}"


def _claimable(reviewer: Reviewer, kind: str | None) -> Any:
    mine = exists().where(ProposalReview.proposal_id == Proposal.id, ProposalReview.account_id == reviewer.account_id)
    where = and_(Proposal.status == OPEN, Proposal.decider == reviewer.role, ~mine)
    return where & (Proposal.kind == kind) if kind else where


def _take(conn: Connection, reviewer: Reviewer, target: Any) -> int | None:
    """Add one claim to the proposal ``target`` selects, in one statement: on PostgreSQL the candidate row is locked
    with SKIP LOCKED (two reviewers never wait on or take the same one); on SQLite the statement takes the write lock
    before it reads. The claim counter is checked again in the UPDATE, so a full proposal is never over-claimed."""
    claimed = conn.execute(
        update(Proposal).where(Proposal.id == target.scalar_subquery(), Proposal.status == OPEN,
                               Proposal.claims < Proposal.reviewers)
        .values(claims=Proposal.claims + 1,
                status=case((Proposal.claims + 1 >= Proposal.reviewers, CLAIMED), else_=OPEN))
        .returning(Proposal.id)).scalar()
    if claimed is not None:  # the review row is the claim's record; decisions, releases and undos go to the audit chain
        conn.execute(insert(ProposalReview).values(proposal_id=claimed, account_id=reviewer.account_id, claimed_at=utcnow()))
    return claimed


def release_stale(conn: Connection, *, hours: float = CLAIM_HOURS) -> int:
    """Give back to the queue every claim held undecided for more than ``hours``; returns how many."""
    cutoff = utcnow() - timedelta(hours=hours)
    stale = (ProposalReview.decision.is_(None)) & (ProposalReview.claimed_at < cutoff)
    released = list(conn.scalars(delete(ProposalReview).where(stale).returning(ProposalReview.proposal_id)))
    if not released:
        return 0
    ids, gone = sorted(set(released)), len(released)
    held = select(func.count()).where(ProposalReview.proposal_id == Proposal.id).scalar_subquery()
    conn.execute(update(Proposal).where(Proposal.id.in_(ids), Proposal.status.in_((OPEN, CLAIMED)))
                 .values(claims=held, status=OPEN))
    audit.record(conn, actor="system", action="proposal.release", target=f"proposal:{ids[0]}",
                 details={"stale_claims": gone, "proposals": len(ids), "hours": hours})
    return gone


def claim_next(conn: Connection, reviewer: Reviewer, kind: str | None = None) -> int | None:
    """Claim the most urgent open proposal the reviewer's role decides (and they have not reviewed); None when none.
    Claims left undecided for ``CLAIM_HOURS`` go back to the queue first (checked at most once a minute)."""
    if time.monotonic() - _LAST_SWEEP[0] > 60:
        _LAST_SWEEP[0] = time.monotonic()
        release_stale(conn)
    target = (select(Proposal.id).where(_claimable(reviewer, kind)).order_by(Proposal.due_at, Proposal.id).limit(1)
              .with_for_update(skip_locked=True))
    return _take(conn, reviewer, target)


def claim(conn: Connection, reviewer: Reviewer, proposal_id: int) -> int:
    """Claim one given proposal, or say why not."""
    target = select(Proposal.id).where(Proposal.id == proposal_id, _claimable(reviewer, None)).with_for_update(skip_locked=True)
    if _take(conn, reviewer, target) is None:
        _refuse(conn, reviewer, proposal_row(conn, proposal_id))
    return proposal_id


def _mine(conn: Connection, reviewer: Reviewer, proposal_id: int) -> Any:
    return conn.execute(select(ProposalReview.decision).where(ProposalReview.proposal_id == proposal_id,
                                                              ProposalReview.account_id == reviewer.account_id)).first()


def _refuse(conn: Connection, reviewer: Reviewer, row: Any) -> None:
    """Raise the specific reason ``reviewer`` may not claim or decide ``row``."""
    if row.status in (DECIDED, AUTOMATIC, UNDONE):
        raise Conflict("proposal %(id)s is already decided (%(decision)s by %(by)s); nothing was changed",
                       id=row.id, decision=row.decision, by=row.decided_by)
    if row.decider != reviewer.role:
        raise Conflict("proposal %(id)s (%(kind)s) is decided by the %(decider)s role under the task-division policy, "
                       "not by %(role)s", id=row.id, kind=row.kind, decider=row.decider, role=reviewer.role)
    mine = _mine(conn, reviewer, row.id)
    if mine is not None and mine.decision is not None:
        raise Conflict("you already decided proposal %(id)s (%(decision)s); each reviewer decides once",
                       id=row.id, decision=mine.decision)
    if row.status == DISPUTED:
        raise Conflict("proposal %(id)s: its reviewers disagreed; the senior role settles it now", id=row.id)
    raise Conflict("proposal %(id)s is assigned to another reviewer; claim the next one instead", id=row.id)


def release(conn: Connection, reviewer: Reviewer, proposal_id: int) -> None:
    """Give a claimed, undecided proposal back to the queue."""
    gone = conn.execute(ProposalReview.__table__.delete().where(
        ProposalReview.proposal_id == proposal_id, ProposalReview.account_id == reviewer.account_id,
        ProposalReview.decision.is_(None))).rowcount
    if not gone:
        raise Conflict("you hold no undecided claim on proposal %(id)s", id=proposal_id)
    conn.execute(update(Proposal).where(Proposal.id == proposal_id).values(claims=Proposal.claims - 1, status=OPEN))
    audit.record(conn, actor=reviewer.actor, action="proposal.release", target=f"proposal:{proposal_id}")


def _final(row: Any, decision: str, final: dict[str, Any] | None, reason: str | None) -> dict[str, Any] | None:
    """The content as decided, checked: an edit keeps the proposal's fields and changes something; a reject gives a reason."""
    if decision not in DECISIONS:
        raise MuseionError("decision must be accept, edit or reject, not %(decision)r", decision=decision)
    if reason is not None and len(reason) > MAX_REASON:
        raise MuseionError("reason: at most %(most)s characters", most=MAX_REASON)
    if decision == "reject":
        if not reason or not reason.strip():
            raise MuseionError("a rejection needs a reason: it is what the AI and the next reviewer learn from")
        return None
    if decision == "accept":
        return row.payload
    checked_json(final if final is not None else {}, "edited content")
    if not final or set(final) != set(row.payload):
        raise MuseionError("an edit gives every field of the proposal (%(fields)s) and no other",
                           fields=", ".join(sorted(row.payload)))
    if final == row.payload:
        raise MuseionError("the edit changes nothing: accept the proposal instead")
    return final


def locked(conn: Connection, proposal_id: int) -> Any:
    """The proposal, locked for this transaction: a no-op UPDATE … RETURNING takes the row lock on PostgreSQL and the
    write lock on SQLite before anything is read, so two people deciding at once are serialised and neither acts on a
    stale row."""
    row = conn.execute(update(Proposal).where(Proposal.id == proposal_id).values(status=Proposal.status)
                       .returning(*Proposal.__table__.c)).first()
    if row is None:
        raise NotFound("proposal %(id)s does not exist", id=proposal_id)
    return row


def decide(conn: Connection, reviewer: Reviewer, proposal_id: int, decision: str, *, final: dict[str, Any] | None = None,
           reason: str | None = None) -> str:
    """Record one reviewer's decision; when the last needed reviewer decides, the proposal is decided (or disputed,
    if they disagree) and the capability hears it. Deciding an unclaimed proposal of one's role claims it first.
    Returns the proposal's status."""
    row = locked(conn, proposal_id)
    content = _final(row, decision, final, reason)
    values = {"decision": decision, "final": content, "reason": reason, "decided_at": utcnow()}
    done = conn.execute(update(ProposalReview).where(
        ProposalReview.proposal_id == proposal_id, ProposalReview.account_id == reviewer.account_id,
        ProposalReview.decision.is_(None)).values(**values)).rowcount
    if not done:
        if not (row.status == OPEN and row.decider == reviewer.role and row.claims < row.reviewers
                and _mine(conn, reviewer, proposal_id) is None):
            _refuse(conn, reviewer, row)
        conn.execute(update(Proposal).where(Proposal.id == proposal_id).values(
            claims=Proposal.claims + 1, status=case((Proposal.claims + 1 >= Proposal.reviewers, CLAIMED), else_=OPEN)))
        conn.execute(insert(ProposalReview).values(proposal_id=proposal_id, account_id=reviewer.account_id,
                                                   claimed_at=values["decided_at"], **values))
    if row.reviewers == 1:
        return _conclude(conn, row, reviewer.actor, decision, content, reason)
    audit.record(conn, actor=reviewer.actor, action="proposal.review", target=f"proposal:{proposal_id}",
                 details={"decision": decision})
    reviews = conn.execute(select(ProposalReview.decision, ProposalReview.final).where(
        ProposalReview.proposal_id == proposal_id, ProposalReview.decision.is_not(None))).all()
    if len(reviews) < row.reviewers:
        return str(conn.scalar(select(Proposal.status).where(Proposal.id == proposal_id)))
    if len({(r.decision, repr(r.final)) for r in reviews}) > 1:
        conn.execute(update(Proposal).where(Proposal.id == proposal_id).values(status=DISPUTED))
        return DISPUTED
    return _conclude(conn, row, reviewer.actor, decision, content, reason)


def _conclude(conn: Connection, row: Any, actor: str, decision: str, content: dict[str, Any] | None,
              reason: str | None) -> str:
    """Record the proposal's decision, audit it, and hand it to the capability that proposed it."""
    now = utcnow()
    conn.execute(update(Proposal).where(Proposal.id == row.id).values(
        status=DECIDED, decision=decision, final=content, reason=reason, decided_by=actor, decided_at=now))
    audit.record(conn, actor=actor, action="proposal.decide", target=f"proposal:{row.id}", details={"decision": decision})
    hand_over(conn, Outcome(proposal_id=row.id, kind=row.kind, subject=row.subject, proposed=row.payload, final=content,
                            decision=decision, reason=reason, decided_by=actor, model_version_id=row.model_version_id,
                            confidence=row.confidence, decided_at=now))
    return DECIDED


def resolve(conn: Connection, reviewer: Reviewer, proposal_id: int, decision: str, *, final: dict[str, Any] | None = None,
            reason: str | None = None) -> str:
    """Settle a disputed proposal as the senior role the policy names for its kind."""
    row = locked(conn, proposal_id)
    if row.status != DISPUTED:
        raise Conflict("proposal %(id)s is %(status)s, not disputed: there is nothing to settle", id=proposal_id,
                       status=row.status)
    resolver = active_policy().rule(row.kind).resolver
    if reviewer.role != resolver:
        raise Conflict("disagreements on %(kind)s are settled by the %(resolver)s role, not %(role)s", kind=row.kind,
                       resolver=resolver, role=reviewer.role)
    if not reason:
        raise MuseionError("settling a disagreement needs a reason: both reviewers will read it")
    return _conclude(conn, row, reviewer.actor, decision, _final(row, decision, final, reason), reason)


def decide_many(conn: Connection, reviewer: Reviewer, proposal_ids: Sequence[int], decision: str, *,
                reason: str | None = None) -> int:
    """Accept or reject a homogeneous batch (one kind) in one transaction: all of it, or nothing if one is refused."""
    if decision == "edit":
        raise MuseionError("a batch is accepted or rejected; edit proposals one at a time")
    ids = sorted(set(proposal_ids))
    if not ids:
        raise MuseionError("choose at least one proposal")
    kinds = set(conn.execute(select(Proposal.kind).where(Proposal.id.in_(ids))).scalars())
    if len(kinds) > 1:
        raise MuseionError("a batch holds one kind of proposal; this one mixes %(kinds)s", kinds=", ".join(sorted(kinds)))
    for proposal_id in ids:
        decide(conn, reviewer, proposal_id, decision, reason=reason)
    return len(ids)


def undo(conn: Connection, reviewer: Reviewer, proposal_id: int, reason: str) -> None:
    """Undo an action the AI took alone; the capability hears ``undo`` and reverts it."""
    row = locked(conn, proposal_id)
    if row.status != AUTOMATIC:
        raise Conflict("proposal %(id)s was not applied by the AI alone (%(status)s); only automatic actions are undone",
                       id=proposal_id, status=row.status)
    rule = active_policy().rule(row.kind)
    if reviewer.role not in (rule.decider, rule.resolver):
        raise Conflict("%(kind)s is undone by the %(decider)s or %(resolver)s role, not %(role)s", kind=row.kind,
                       decider=rule.decider, resolver=rule.resolver, role=reviewer.role)
    if not reason or not reason.strip():
        raise MuseionError("undoing an automatic action needs a reason")
    conn.execute(update(Proposal).where(Proposal.id == proposal_id).values(
        status=UNDONE, decision="undo", final=None, reason=reason, decided_by=reviewer.actor, decided_at=utcnow()))
    audit.record(conn, actor=reviewer.actor, action="proposal.undo", target=f"proposal:{proposal_id}",
                 details={"was": AUTO})
    notify(conn, proposal_id)
