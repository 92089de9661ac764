"""Members' voice over HTTP: flag an item recommended to you, comment on the public disclosure, and see what became of
each (considered in which review round, with what decision); reviewers read the feedback on a version as evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from museion.errors import NotFound
from museion.http.authz import requires, signed_in
from museion.http.deps import ConnDep, TxDep, record_staff_read
from museion.http.member_voice import own_voice
from museion.privacy import feedback, gate
from museion.registry import cards, disclosure, lifecycle
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["member feedback"])
MemberKey = Annotated[str, Path(max_length=255, description="The member's pseudonymous key.")]
MemberSelf = Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]
Reason = Literal["not_for_me", "offensive", "seems_biased", "wrong_information"]


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    work: int | Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The item: its work id (`work_id` in a served list) or its key.", examples=[42])
    reason: Reason = Field(description="`not_for_me` also counts as a flag; the review board sees every reason.")
    comment: str | None = Field(None, max_length=feedback.FLAG_COMMENT_MAX,
                                description="Optional; personal data in it is redacted before it is stored.")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=feedback.COMMENT_MAX,
                      description="About the deployed algorithm; personal data in it is redacted before it is stored.")


class FeedbackOut(BaseModel):
    id: int
    kind: Literal["flag", "comment"]
    model_version: int | None = Field(description="The version that served the item (flags) or was deployed (comments).")
    created_at: datetime
    text: str | None = Field(description="The comment as stored: personal data replaced by <TYPE>.")
    reason: str | None = None
    work_key: str | None = None
    work_title: str | None = None
    considered_round: int | None = Field(None, description="The review round that considered it; null while waiting.")
    considered_decision: Literal["approved", "rejected"] | None = None
    considered_at: datetime | None = None
    status: str = Field(examples=["considered in review round 2 (approved)"])


class MyFeedbackOut(BaseModel):
    member: str
    flags: list[FeedbackOut]
    comments: list[FeedbackOut]


def _out(item: feedback.Feedback) -> FeedbackOut:
    return FeedbackOut(**item.as_dict())


@router.get("/members/{member}/flags", response_model=MyFeedbackOut,
            summary="The member's flags and disclosure comments, each with what became of it")
def my_flags(member: MemberKey, principal: MemberSelf, conn: ConnDep) -> MyFeedbackOut:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    record_staff_read(conn.engine, principal, member_id, "feedback")
    return MyFeedbackOut(member=member, flags=[_out(f) for f in feedback.flags_of(conn, member_id)],
                         comments=[_out(c) for c in feedback.comments_of(conn, member_id)])


@router.post("/members/{member}/flags", response_model=FeedbackOut, status_code=201,
             summary="Flag an item recommended to you (members only, for themselves)")
def post_flag(request: Request, member: MemberKey, body: FlagIn, principal: MemberSelf, conn: TxDep) -> FeedbackOut:
    """Refused with nothing written for an item never shown to you, the same open flag twice, or when sent by staff."""
    own_voice(request, principal)
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    return _out(feedback.flag(conn, member_id, body.work, body.reason, body.comment, actor=principal.actor))


@router.post("/disclosure/comments", response_model=FeedbackOut, status_code=201,
             summary="Comment on the deployed algorithm (members only); the review board reads it at its next review")
def post_comment(request: Request, body: CommentIn, principal: Annotated[Principal, signed_in()], conn: TxDep) -> FeedbackOut:
    member = own_voice(request, principal)
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    return _out(disclosure.comment_on_deployed(conn, member_id, body.text, actor=principal.actor))


@router.get("/feedback", summary="Members' feedback on a version since its last review round (reviewers)")
def version_feedback(principal: Annotated[Principal, requires(Perm.MODELS_APPROVE)], conn: TxDep,
                     version: Annotated[int | None, Query(ge=1, le=2**62, description="Default: the deployed version.")] = None,
                     all_rounds: Annotated[bool, Query(description="Also what earlier rounds considered.")] = False,
                     ) -> dict[str, Any]:
    """Counts by reason, the flagged works and the redacted comments; reading them is recorded as an access."""
    version = version or lifecycle.deployed_version_id(conn)
    if version is None:
        raise NotFound("no version is deployed: name one with ?version=")
    cards.get_version(conn, version)  # NotFound for a version that does not exist
    return feedback.evidence(conn, version, actor=principal.actor, pending_only=not all_rounds).as_dict()
