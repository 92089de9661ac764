"""The algorithm registry, the review board and the public disclosure, as API endpoints.

Authors (``models:write``) edit draft cards and submit; reviewers (``models:approve``) open review rounds
and record decisions, never on their own submissions; admins (``models:deploy``) deploy approved versions
and retire them. ``GET /api/disclosure`` is public: every served list links to it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.http.authz import public, requires
from museion.http.deps import ConnDep, HomeDep, TxDep
from museion.registry import cards, disclosure, lifecycle, review
from museion.registry.policy import load_policy
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["registry"])
VersionId = Annotated[int, Path(ge=1, le=2**62, description="A model version id (see GET /api/registry/versions).")]
Lang = StrEnum("Lang", {"en": "en", "zh_Hans": "zh-Hans"})  # type: ignore[misc]
Status = StrEnum("Status", {s: s for s in lifecycle.STATUSES})  # type: ignore[misc]
Text = Annotated[str, Field(max_length=20_000, pattern=r"^[^\x00]*$")]
Reviewer = Annotated[Principal, requires(Perm.MODELS_APPROVE)]
Deployer = Annotated[Principal, requires(Perm.MODELS_DEPLOY)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VersionOut(BaseModel):
    id: int
    algorithm: str
    status: str = Field(examples=["approved"], description="draft, submitted, under_review, approved, rejected, deployed or retired")
    source: str | None
    params: dict[str, Any]
    review_round: int
    review_open: bool
    reviewed_at: datetime | None
    created_at: datetime
    retrain_reason: str | None
    card_hash: str | None = Field(description="sha256 of the frozen card; null while the version is a draft.")


class CardEdit(Strict):
    purpose_notes: Text | None = Field(default=None, examples=["Film recommendations on the members' home page."])
    limitations: Text | None = Field(default=None, description="One limitation per line.",
                                     examples=["Trained on ratings from 2000-2018 only."])
    contact: Text | None = Field(default=None, examples=["algorithms@museum.example"])


class ReasonIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")] = Field(examples=["quarterly release"])


class ReviewIn(Strict):
    capacity: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] = Field(examples=["domain_expert"])
    decision: Literal["approve", "reject"]
    findings: Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"^[^\x00]*$")] = Field(
        examples=["Checked the card against the evaluation and the audit: exposure of tail works is acceptable."])


class RoundOut(BaseModel):
    version_id: int
    status: str
    round: int
    open: bool
    approvals: int
    approvals_needed: int
    missing_capacities: list[str]
    rejected: bool
    author_account_id: int | None
    card_hash: str | None


class ReviewOut(BaseModel):
    id: int
    version_id: int
    round: int
    reviewer_account_id: int
    reviewer_name: str
    reviewer_role: str
    capacity: str
    decision: str
    findings: str
    card_hash: str
    audit_ref: str | None
    created_at: datetime


class TransitionOut(BaseModel):
    id: int
    version_id: int
    from_status: str | None
    to_status: str
    actor: str
    reason: str
    at: datetime


class BoardItem(RoundOut):
    algorithm: str
    created_at: datetime
    reviews: list[ReviewOut]


class DueOut(BaseModel):
    version_id: int
    algorithm: str
    reviewed_at: datetime | None
    due_at: datetime | None
    days_overdue: int | None
    rereview_open: bool
    round: int
    rereview_days: int


class DeployOut(BaseModel):
    deployed: int
    retired: int | None = Field(description="The version that was deployed before, now retired.")


@router.get("/registry/versions", response_model=list[VersionOut], summary="Model versions with their review status",
            dependencies=[requires(Perm.MODELS_READ)])
def list_versions(conn: ConnDep, status: Status | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[VersionOut]:
    return [VersionOut(**v) for v in lifecycle.versions(conn, status.value if status else None, limit=limit, offset=offset)]


@router.get("/registry/versions/{version_id}/card", summary="A version's model card (frozen once submitted)",
            dependencies=[requires(Perm.MODELS_READ)],
            responses={200: {"content": {"application/json": {}, "text/markdown": {}}}})
def get_card(conn: ConnDep, home: HomeDep, version_id: VersionId, lang: Lang = Lang.en,  # type: ignore[attr-defined]
             format: Literal["json", "markdown"] = "json") -> Any:
    card = cards.card_for(conn, home, version_id)
    if format == "markdown":
        return PlainTextResponse(cards.render_markdown(card, lang.value), media_type="text/markdown; charset=utf-8")
    return card


@router.patch("/registry/versions/{version_id}/card", summary="Edit a draft's purpose notes, limitations or contact")
def edit_card(version_id: VersionId, body: CardEdit, principal: Annotated[Principal, requires(Perm.MODELS_WRITE)],
              conn: TxDep) -> dict[str, str | None]:
    return cards.edit_card(conn, version_id, actor=principal.actor, **body.model_dump())


@router.post("/registry/versions/{version_id}/submit", response_model=VersionOut,
             summary="Submit a draft for review: freezes its card, which cites its fairness audit; you can never review it yourself",
             description="The version needs a fairness audit first (POST /api/registry/versions/{version_id}/fairness-audits); "
                         "without one the answer is 409 and says so.")
def submit(version_id: VersionId, principal: Annotated[Principal, requires(Perm.MODELS_WRITE)], conn: TxDep, home: HomeDep) -> VersionOut:
    lifecycle.submit(conn, home, version_id, author_account_id=principal.account_id, actor=principal.actor)
    return VersionOut(**lifecycle.version_summary(conn, version_id))


@router.post("/registry/versions/{version_id}/review", response_model=RoundOut,
             summary="Open a review round (on a submitted version, or a periodic re-review of the deployed one)")
def start_review(version_id: VersionId, principal: Reviewer, conn: TxDep, home: HomeDep) -> RoundOut:
    lifecycle.start_review(conn, version_id, actor=principal.actor)
    return RoundOut(**review.round_status(conn, home, version_id))


@router.post("/registry/versions/{version_id}/reviews", response_model=RoundOut, status_code=201,
             summary="Record your findings and decision in the open round (not on your own submission)")
def record_review(version_id: VersionId, body: ReviewIn, principal: Reviewer, conn: TxDep, home: HomeDep) -> RoundOut:
    return RoundOut(**review.record_review(conn, home, version_id, reviewer_account_id=principal.account_id, capacity=body.capacity,
                                          decision=body.decision, findings=body.findings, actor=principal.actor))


@router.get("/registry/versions/{version_id}/reviews", response_model=list[ReviewOut], summary="Every review of a version",
            dependencies=[requires(Perm.MODELS_READ)])
def list_reviews(version_id: VersionId, conn: ConnDep) -> list[ReviewOut]:
    cards.get_version(conn, version_id)
    return [ReviewOut(**r) for r in review.reviews_of(conn, version_id)]


@router.get("/registry/versions/{version_id}/transitions", response_model=list[TransitionOut],
            summary="Every lifecycle step of a version: who, when, from, to and why", dependencies=[requires(Perm.MODELS_READ)])
def list_transitions(version_id: VersionId, conn: ConnDep) -> list[TransitionOut]:
    return [TransitionOut(**t) for t in lifecycle.transitions(conn, version_id)]


@router.post("/registry/versions/{version_id}/deploy", response_model=DeployOut,
             summary="Deploy an approved version (the deployed one is retired); serving switches on the next request")
def deploy(version_id: VersionId, principal: Deployer, conn: TxDep, home: HomeDep, body: ReasonIn | None = None) -> DeployOut:
    previous = lifecycle.deploy(conn, home, version_id, actor=principal.actor, reason=body.reason if body else "deployed")
    return DeployOut(deployed=version_id, retired=previous)


@router.post("/registry/versions/{version_id}/retire", response_model=VersionOut, summary="Retire a version for good")
def retire(version_id: VersionId, body: ReasonIn, principal: Deployer, conn: TxDep) -> VersionOut:
    lifecycle.retire(conn, version_id, actor=principal.actor, reason=body.reason)
    return VersionOut(**lifecycle.version_summary(conn, version_id))


@router.get("/registry/board", response_model=list[BoardItem], summary="Versions awaiting the review board",
            dependencies=[requires(Perm.MODELS_READ)])
def board(conn: ConnDep, home: HomeDep) -> list[BoardItem]:
    return [BoardItem(**item) for item in review.board(conn, home)]


@router.get("/registry/due", response_model=list[DueOut],
            summary="Alert: deployed versions whose periodic re-review is due", dependencies=[requires(Perm.MODELS_READ)])
def due(conn: ConnDep, home: HomeDep) -> list[DueOut]:
    return [DueOut(**d) for d in review.due(conn, home)]


@router.get("/registry/policy", summary="The review policy in force", dependencies=[requires(Perm.MODELS_READ)])
def policy(home: HomeDep) -> dict[str, Any]:
    return load_policy(home).as_dict()


@router.get("/disclosure", tags=["registry"], summary="How our recommendations work (public; English or Simplified Chinese)",
            dependencies=[public()])
def public_disclosure(conn: ConnDep, home: HomeDep, lang: Lang = Lang.en) -> dict[str, Any]:  # type: ignore[attr-defined]
    return disclosure.public_disclosure(conn, lang.value, home)
