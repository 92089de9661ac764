"""Privacy over HTTP: consents (and separate consents for sensitive categories), data-subject requests
with their ledger and the member's self-service copy, and de-identified releases."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from museion.api.authz import requires
from museion.api.problems import problem
from museion.audience.activity import member_id_for
from museion.config import get_settings
from museion.errors import MuseionError
from museion.privacy import consent, releases, requests
from museion.privacy.models import SubjectRequest
from museion.privacy.vault import KeyRing
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.store.models import Member

router = APIRouter(prefix="/api", tags=["privacy"])
MemberKey = Annotated[str, Path(max_length=255, description="The member's pseudonymous key.")]


class ConsentOut(BaseModel):
    purpose: str
    granted: bool
    notice_version: str
    source: str
    recorded_at: datetime


class ConsentIn(BaseModel):
    purpose: str = Field(max_length=64, examples=["personalisation"])
    granted: bool = Field(description="false withdraws (or objects); it takes effect at once.")
    notice_version: str = Field(min_length=1, max_length=32, description="The privacy notice the member saw.")
    source: str = Field(min_length=1, max_length=64, examples=["web"])
    category: str | None = Field(default=None, max_length=32, examples=["demographics"],
                                 description="A sensitive category of the purpose: this is its own, separate consent.")


@router.get("/members/{member}/consents", response_model=list[ConsentOut], summary="A member's current consent decisions",
            dependencies=[requires(Perm.MEMBER_DATA, member="member")])
def list_consents(request: Request, member: MemberKey) -> list[ConsentOut]:
    with request.app.state.engine.connect() as conn:
        states = consent.states(conn, member_id_for(conn, member))
    return [ConsentOut(purpose=s.purpose, granted=s.granted, notice_version=s.notice_version, source=s.source,
                       recorded_at=s.recorded_at) for s in states]


@router.post("/members/{member}/consents", response_model=list[ConsentOut], status_code=201,
             summary="Grant or withdraw consent to a purpose (or a sensitive category of it)")
def decide(request: Request, member: MemberKey, body: ConsentIn,
           principal: Annotated[Principal, requires(Perm.CONSENT_WRITE, member="member")]) -> list[ConsentOut]:
    with request.app.state.engine.begin() as conn:
        member_id = member_id_for(conn, member)
        consent.record(conn, member_id, consent.current_purpose(conn, body.purpose), granted=body.granted,
                       notice_version=body.notice_version, source=body.source, category=body.category,
                       actor=principal.actor)
    return list_consents(request, member)


# --- data-subject requests ---------------------------------------------------------------------

class Kind(StrEnum):
    access = "access"
    rectification = "rectification"
    erasure = "erasure"
    restriction = "restriction"
    withdrawal = "withdrawal"


class Status(StrEnum):
    received = "received"
    verified = "verified"
    completed = "completed"
    refused = "refused"


Text = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")]
RequestId = Annotated[int, Path(ge=1, le=2**62, description="The request number.")]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind = Field(examples=["access"])
    channel: str = Field(default="web", min_length=1, max_length=64, pattern=r"^[\w .@/-]+$",
                         description="How the request arrived: web, e-mail, letter…")


class RequestOut(BaseModel):
    id: int
    member: str | None = Field(description="The member's key; null once the member has been erased.")
    kind: str
    status: str
    channel: str
    received_at: datetime
    due_at: datetime
    overdue: bool = Field(description="Still open after its due date.")
    verified_at: datetime | None
    verified_by: str | None
    verification: str | None
    closed_at: datetime | None
    refusal_reason: str | None
    outcome: dict[str, Any] = Field(description="Counts only, never personal data.")


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    how: Text = Field(examples=["signed-in account and e-mail code"])


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(examples=["the requester could not prove they hold the account"])


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age: int | None = Field(default=None, ge=0, le=150)
    gender: str | None = Field(default=None, max_length=64)
    occupation: str | None = Field(default=None, max_length=128)


class Identifiers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: Profile | None = Field(default=None, description="Rectification: corrected profile fields.")
    identifiers: Identifiers | None = Field(default=None, description="Rectification: corrected identifiers (vault).")


def _request_out(conn: Connection, row: Any) -> RequestOut:
    key = conn.scalar(select(Member.key).where(Member.id == row.member_id)) if row.member_id is not None else None
    fields = {name: getattr(row, name) for name in RequestOut.model_fields if name not in ("member", "overdue")}
    due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
    return RequestOut(member=key, overdue=row.closed_at is None and due < datetime.now(UTC), **fields)


def _export_download(copy: dict[str, Any], name: str) -> JSONResponse:
    return JSONResponse(jsonable_encoder(copy), headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/members/{member}/requests", response_model=RequestOut, status_code=201, tags=["requests"],
             summary="Open a data-subject request (members for themselves, privacy staff for anyone)")
def open_request(request: Request, member: MemberKey, body: RequestIn,
                 principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]) -> RequestOut:
    with request.app.state.engine.begin() as conn:
        request_id = requests.open_request(conn, member, body.kind.value, channel=body.channel,
                                           due_days=get_settings().request_due_days, actor=principal.actor)
        return _request_out(conn, requests.get_request(conn, request_id))


@router.get("/requests", response_model=list[RequestOut], tags=["requests"],
            summary="Data-subject requests, open ones first by due date", dependencies=[requires(Perm.REQUESTS_MANAGE)])
def list_requests(
    request: Request,
    status: Annotated[Status | None, Query(description="Only requests in this state.")] = None,
    kind: Annotated[Kind | None, Query(description="Only requests of this kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[RequestOut]:
    q = select(SubjectRequest.__table__)
    if status is not None:
        q = q.where(SubjectRequest.status == status.value)
    if kind is not None:
        q = q.where(SubjectRequest.kind == kind.value)
    q = q.order_by(SubjectRequest.closed_at.is_not(None), SubjectRequest.due_at, SubjectRequest.id).limit(limit).offset(offset)
    with request.app.state.engine.connect() as conn:
        return [_request_out(conn, row) for row in conn.execute(q)]


@router.get("/requests/{request_id}", response_model=RequestOut, tags=["requests"], summary="One request",
            dependencies=[requires(Perm.REQUESTS_MANAGE)])
def get_request(request: Request, request_id: RequestId) -> RequestOut:
    with request.app.state.engine.connect() as conn:
        return _request_out(conn, requests.get_request(conn, request_id))


@router.post("/requests/{request_id}/verify", response_model=RequestOut, tags=["requests"],
             summary="Record how the requester's identity was checked")
def verify_request(request: Request, request_id: RequestId, body: VerifyIn,
                   principal: Annotated[Principal, requires(Perm.REQUESTS_MANAGE)]) -> RequestOut:
    with request.app.state.engine.begin() as conn:
        requests.verify(conn, request_id, by=principal.actor, how=body.how, actor=principal.actor)
        return _request_out(conn, requests.get_request(conn, request_id))


@router.post("/requests/{request_id}/refuse", response_model=RequestOut, tags=["requests"],
             summary="Refuse a request, giving the reason (kept and told to the requester)")
def refuse_request(request: Request, request_id: RequestId, body: RefuseIn,
                   principal: Annotated[Principal, requires(Perm.REQUESTS_MANAGE)]) -> RequestOut:
    with request.app.state.engine.begin() as conn:
        requests.refuse(conn, request_id, reason=body.reason, actor=principal.actor)
        return _request_out(conn, requests.get_request(conn, request_id))


@router.post("/requests/{request_id}/complete", response_model=None, tags=["requests"],
             summary="Carry out a verified request; an access request answers with the member's data as a JSON file",
             responses={200: {"description": "The request (or, for access, the machine-readable copy as a download)."}})
def complete_request(request: Request, request_id: RequestId,
                     principal: Annotated[Principal, requires(Perm.REQUESTS_MANAGE)],
                     body: CompleteIn | None = None) -> RequestOut | JSONResponse:
    state, actor = request.app.state, principal.actor
    with state.engine.begin() as conn:
        kind = requests.get_request(conn, request_id).kind
        if body is not None and kind != "rectification" and (body.profile or body.identifiers):
            raise MuseionError("corrections come only with a rectification request")
        if kind == "access":
            copy = requests.complete_access(conn, KeyRing.load(state.home), request_id, actor=actor)
            return _export_download(copy, f"museion-access-{request_id}.json")
        if kind == "rectification":
            profile = body.profile.model_dump(exclude_none=True) if body and body.profile else {}
            identifiers = body.identifiers.model_dump(exclude_none=True) if body and body.identifiers else {}
            if not profile and not identifiers:
                raise MuseionError("a rectification needs the corrected profile fields or identifiers")
            requests.complete_rectification(conn, KeyRing.load(state.home), request_id, profile=profile,
                                            identifiers=identifiers, actor=actor)
        elif kind == "erasure":
            requests.complete_erasure(conn, state.home, request_id, actor=actor)
            state.recommender = None  # the serving index was scrubbed on disk: reload it
        elif kind == "restriction":
            requests.complete_restriction(conn, request_id, actor=actor)
        else:
            requests.complete_withdrawal(conn, request_id, actor=actor)
        return _request_out(conn, requests.get_request(conn, request_id))


@router.get("/members/{member}/export", response_model=None, tags=["requests"],
            summary="Self-service copy of everything held about the member (a completed access request)",
            responses={200: {"description": "The machine-readable copy, as a JSON download."}})
def self_service_export(request: Request, member: MemberKey,
                        principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]) -> JSONResponse:
    state = request.app.state
    how = "signed in with the member's own account" if principal.member_key == member else f"staff role {principal.role}"
    with state.engine.begin() as conn:
        request_id = requests.open_request(conn, member, "access", channel="self-service",
                                           due_days=get_settings().request_due_days, actor=principal.actor)
        requests.verify(conn, request_id, by=principal.actor, how=how, actor=principal.actor)
        copy = requests.complete_access(conn, KeyRing.load(state.home), request_id, actor=principal.actor)
    return _export_download(copy, "museion-my-data.json")


# --- de-identified releases --------------------------------------------------------------------

Dataset = Annotated[str, Path(max_length=64, pattern=r"^[\w.-]+$", description="A member source, e.g. movielens.")]


class BudgetOut(BaseModel):
    dataset: str
    total_epsilon: float
    spent: float
    remaining: float
    releases: int


class HistogramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(max_length=64, pattern=r"^[\w.-]+$", examples=["movielens"])
    by: Literal["genre", "kind"] = "genre"
    epsilon: float = Field(gt=0, le=10, examples=[0.5], description="Privacy loss charged to the dataset's budget.")
    max_contributions: int = Field(default=50, ge=1, le=10_000, description="Events counted per member at most.")


class HistogramOut(BaseModel):
    dataset: str
    by: str
    epsilon: float
    mechanism: str
    error_bound: float = Field(description="Each count is within this of the truth with `confidence` probability.")
    confidence: float
    max_contributions: int
    counts: dict[str, int]
    remaining_epsilon: float


class KAnonymousIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(max_length=64, pattern=r"^[\w.-]+$", examples=["moma"])
    k: int = Field(default=5, ge=2, le=1000)
    l: int = Field(default=1, ge=1, le=100, description="Distinct l-diversity within each group (1: off).")  # noqa: E741
    max_suppression: float = Field(default=0.05, ge=0, le=0.5)


class KAnonymousOut(BaseModel):
    report: dict[str, Any]
    records: list[dict[str, Any]] = Field(description="The released, generalised creator table.")


def _budget_out(conn: Connection, dataset: str) -> BudgetOut:
    ledger = releases.budget(conn, dataset)
    return BudgetOut(dataset=dataset, total_epsilon=ledger.total_epsilon, spent=ledger.spent, remaining=ledger.remaining,
                     releases=len(ledger.spends))


@router.get("/releases/budgets/{dataset}", response_model=BudgetOut, tags=["releases"],
            summary="A dataset's differential-privacy budget: total, spent, remaining",
            dependencies=[requires(Perm.RELEASES_RUN)])
def release_budget(request: Request, dataset: Dataset) -> BudgetOut:
    with request.app.state.engine.connect() as conn:
        return _budget_out(conn, dataset)


@router.post("/releases/histogram", response_model=HistogramOut, tags=["releases"],
             summary="Differentially private activity counts per genre or kind (refused past the budget)",
             responses={409: {"description": "The release would exceed the dataset's privacy budget."}})
def release_histogram(request: Request, body: HistogramIn,
                      principal: Annotated[Principal, requires(Perm.RELEASES_RUN)]) -> HistogramOut | JSONResponse:
    try:
        with request.app.state.engine.begin() as conn:
            release = releases.activity_histogram(conn, body.dataset, body.by, epsilon=body.epsilon, actor=principal.actor,
                                                  max_contributions=body.max_contributions)
            remaining = releases.budget(conn, body.dataset).remaining
    except releases.BudgetRefused as exc:
        return problem(409, "Privacy budget exceeded", str(exc), request.url.path)
    return HistogramOut(dataset=body.dataset, by=body.by, epsilon=release.epsilon, mechanism=release.mechanism,
                        error_bound=release.error_bound, confidence=release.confidence,
                        max_contributions=release.max_contributions,
                        counts={str(k): v for k, v in release.as_dict().items()}, remaining_epsilon=remaining)


@router.post("/releases/k-anonymous", response_model=KAnonymousOut, tags=["releases"],
             summary="Creators' nationality, gender and birth year generalised until every group has at least k people")
def release_k_anonymous(request: Request, body: KAnonymousIn,
                        principal: Annotated[Principal, requires(Perm.RELEASES_RUN)]) -> KAnonymousOut:
    with request.app.state.engine.begin() as conn:
        report, table = releases.k_anonymous_creators(conn, body.source, k=body.k, l=body.l,
                                                      max_suppression=body.max_suppression, actor=principal.actor)
    return KAnonymousOut(report=report, records=jsonable_encoder(table.to_dict(orient="records")))
