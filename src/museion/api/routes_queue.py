"""The collaboration queue as API endpoints: proposals an AI made, claimed and decided by the roles the task-division
policy names. Reviewers see the proposals their role decides; admins and auditors see all (``queue:all``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from museion.collab import reporting, review
from museion.collab.queue import Draft, active_policy, propose
from museion.errors import NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.http.proposers import CAPABILITIES  # noqa: F401  (their decision handlers)
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed

router = APIRouter(prefix="/api/queue", tags=["collaboration"])
Id = Annotated[int, Field(ge=1, le=2**62)]
Reason = Annotated[str | None, Field(default=None, max_length=review.MAX_REASON)]
Reviewer = Annotated[Principal, requires(Perm.QUEUE_REVIEW)]


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=64, examples=["work.subjects"])
    subject: str = Field(min_length=1, max_length=256, examples=["work:tate:1035"])
    payload: dict[str, Any] = Field(examples=[{"subjects": ["sea", "harbour"]}])
    evidence: dict[str, Any] = Field(default_factory=dict, examples=[{"similar_works": ["work:tate:1036"]}])
    model_version_id: int | None = Field(default=None, ge=1, le=2**62)
    confidence: float | None = Field(default=None, ge=0, le=1)
    risk: Literal["low", "medium", "high"] = "low"
    due: datetime | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "edit", "reject"]
    final: dict[str, Any] | None = Field(default=None, description="The edited content (decision edit): every field of the payload.")
    reason: Reason


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Id] = Field(min_length=1, max_length=500)
    decision: Literal["accept", "reject"]
    reason: Reason


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=review.MAX_REASON)


class Claimed(BaseModel):
    proposal_id: int | None = Field(description="The proposal now held, or null when nothing is waiting for this role.")


class Status(BaseModel):
    proposal_id: int
    status: str = Field(examples=["decided"], description="open, claimed, disputed, decided, auto or undone")


def _reviewer(principal: Principal) -> review.Reviewer:
    return review.Reviewer(principal.account_id, principal.role)


def _visible(principal: Principal, found: dict[str, Any]) -> dict[str, Any]:
    """A proposal one may read: one's role decides it, or one oversees the whole queue (a 404 otherwise: no probing)."""
    if found["decider"] != principal.role and not allowed(principal.role, Perm.QUEUE_ALL):
        raise NotFound("proposal %(id)s does not exist", id=found["id"])
    return found


@router.get("", summary="Proposals, the waiting ones most urgent first (one's own role's, unless one oversees the queue)")
def list_proposals(principal: Annotated[Principal, requires(Perm.STATS_READ)], conn: ConnDep,
                   kind: Annotated[str | None, Query(max_length=64)] = None,
                   status: Annotated[Literal["open", "claimed", "disputed", "decided", "auto", "undone"] | None, Query()] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    decider = None if allowed(principal.role, Perm.QUEUE_ALL) else principal.role
    return reporting.proposals(conn, kind=kind, status=status, decider=decider, limit=limit, offset=offset)


@router.get("/policy", summary="The task-division policy in force: who decides each kind, and when the AI may act alone")
def policy(_: Annotated[Principal, requires(Perm.STATS_READ)]) -> dict[str, Any]:
    found = active_policy()
    return {"version": found.version, "sha256": found.sha256, "kinds": [vars(rule) for rule in found.kinds.values()]}


@router.get("/metrics", summary="Collaboration figures per kind or team, with agreement between reviewers")
def metrics(_: Annotated[Principal, requires(Perm.STATS_READ)], conn: ConnDep,
            by: Annotated[Literal["kind", "team"], Query()] = "kind", since: datetime | None = None) -> dict[str, Any]:
    return reporting.metrics(conn, by=by, since=since)


@router.post("", response_model=Status, status_code=201, summary="Propose (for an outside AI tool): routed by the policy")
def create(body: ProposalIn, principal: Annotated[Principal, requires(Perm.QUEUE_PROPOSE)], conn: TxDep) -> Status:
    pid = propose(conn, Draft(proposed_by=principal.actor, **body.model_dump()))
    return Status(proposal_id=pid, status=reporting.proposal(conn, pid)["status"])


@router.post("/claim-next", response_model=Claimed, summary="Claim the most urgent proposal one's role decides")
def claim_next(principal: Reviewer, conn: TxDep, kind: Annotated[str | None, Query(max_length=64)] = None) -> Claimed:
    return Claimed(proposal_id=review.claim_next(conn, _reviewer(principal), kind))


@router.post("/decide-batch", summary="Accept or reject a batch of one kind: all of it, or nothing")
def decide_batch(body: BatchIn, principal: Reviewer, conn: TxDep) -> dict[str, int]:
    return {"decided": review.decide_many(conn, _reviewer(principal), body.ids, body.decision, reason=body.reason)}


@router.get("/{proposal_id}", summary="One proposal: payload, evidence, and every reviewer's claim and decision")
def get_proposal(proposal_id: Id, principal: Annotated[Principal, requires(Perm.STATS_READ)], conn: ConnDep) -> dict[str, Any]:
    return _visible(principal, reporting.proposal(conn, proposal_id))


@router.post("/{proposal_id}/claim", response_model=Status, summary="Claim one proposal")
def claim(proposal_id: Id, principal: Reviewer, conn: TxDep) -> Status:
    review.claim(conn, _reviewer(principal), proposal_id)
    return Status(proposal_id=proposal_id, status=reporting.proposal(conn, proposal_id)["status"])


@router.post("/{proposal_id}/release", response_model=Status, summary="Give a claimed proposal back to the queue")
def release(proposal_id: Id, principal: Reviewer, conn: TxDep) -> Status:
    review.release(conn, _reviewer(principal), proposal_id)
    return Status(proposal_id=proposal_id, status="open")


@router.post("/{proposal_id}/decide", response_model=Status, summary="Accept, edit or reject (with a reason) a proposal")
def decide(proposal_id: Id, body: DecisionIn, principal: Reviewer, conn: TxDep) -> Status:
    done = review.decide(conn, _reviewer(principal), proposal_id, body.decision, final=body.final, reason=body.reason)
    return Status(proposal_id=proposal_id, status=done)


@router.post("/{proposal_id}/resolve", response_model=Status, summary="Settle reviewers' disagreement (the senior role)")
def resolve(proposal_id: Id, body: DecisionIn, principal: Reviewer, conn: TxDep) -> Status:
    done = review.resolve(conn, _reviewer(principal), proposal_id, body.decision, final=body.final, reason=body.reason)
    return Status(proposal_id=proposal_id, status=done)


@router.post("/{proposal_id}/undo", response_model=Status, summary="Undo an action the AI took alone")
def undo(proposal_id: Id, body: ReasonIn, principal: Reviewer, conn: TxDep) -> Status:
    review.undo(conn, _reviewer(principal), proposal_id, body.reason)
    return Status(proposal_id=proposal_id, status="undone")
