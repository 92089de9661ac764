"""Privacy over HTTP: consents (and separate consents for sensitive categories), and data-subject requests
with their ledger and the member's self-service copy."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from museion.errors import MuseionError
from museion.http.authz import requires
from museion.http.deps import ConnDep, HomeDep, ServedModelDep, SettingsDep, TxDep, record_staff_read
from museion.privacy import consent, gate, requests
from museion.privacy.served import flush_deferred
from museion.privacy.vault import KeyRing
from museion.recommend.erasure import complete_erasure
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["privacy"])
MemberKey = Annotated[str, Path(max_length=255, description="The member's pseudonymous key.")]
MemberSelf = Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]
PrivacyStaff = Annotated[Principal, requires(Perm.REQUESTS_MANAGE)]


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


def _consents(conn: Connection, member_id: int) -> list[ConsentOut]:
    return [ConsentOut(purpose=s.purpose, granted=s.granted, notice_version=s.notice_version, source=s.source,
                       recorded_at=s.recorded_at) for s in consent.states(conn, member_id)]


@router.get("/members/{member}/consents", response_model=list[ConsentOut], summary="A member's current consent decisions")
def list_consents(member: MemberKey, principal: MemberSelf, conn: ConnDep) -> list[ConsentOut]:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    record_staff_read(conn.engine, principal, member_id, "consents")
    return _consents(conn, member_id)


@router.post("/members/{member}/consents", response_model=list[ConsentOut], status_code=201,
             summary="Grant or withdraw consent to a purpose (or a sensitive category of it)")
def decide(member: MemberKey, body: ConsentIn, principal: Annotated[Principal, requires(Perm.CONSENT_WRITE, member="member")],
           conn: TxDep) -> list[ConsentOut]:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    consent.record(conn, member_id, consent.current_purpose(conn, body.purpose), granted=body.granted,
                   notice_version=body.notice_version, source=body.source, category=body.category, actor=principal.actor)
    return _consents(conn, member_id)


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
    model_config = ConfigDict(from_attributes=True)  # read from museion.privacy.requests.RequestView

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


def _request_out(conn: Connection, request_id: int) -> RequestOut:
    return RequestOut.model_validate(requests.request_view(conn, request_id))


def _export_download(copy: dict[str, Any], name: str) -> JSONResponse:
    return JSONResponse(jsonable_encoder(copy), headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/members/{member}/requests", response_model=RequestOut, status_code=201, tags=["requests"],
             summary="Open a data-subject request (members for themselves, privacy staff for anyone)")
def open_request(member: MemberKey, body: RequestIn, principal: MemberSelf, settings: SettingsDep, conn: TxDep) -> RequestOut:
    request_id = requests.open_request(conn, member, body.kind.value, channel=principal.channel(body.channel),
                                       due_days=settings.request_due_days, actor=principal.actor)
    return _request_out(conn, request_id)


@router.get("/requests", response_model=list[RequestOut], tags=["requests"],
            summary="Data-subject requests, open ones first by due date", dependencies=[requires(Perm.REQUESTS_MANAGE)])
def list_requests(
    conn: ConnDep,
    status: Annotated[Status | None, Query(description="Only requests in this state.")] = None,
    kind: Annotated[Kind | None, Query(description="Only requests of this kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[RequestOut]:
    views = requests.list_requests(conn, status=status.value if status else None, kind=kind.value if kind else None,
                                   limit=limit, offset=offset)
    return [RequestOut.model_validate(view) for view in views]


@router.get("/requests/{request_id}", response_model=RequestOut, tags=["requests"], summary="One request",
            dependencies=[requires(Perm.REQUESTS_MANAGE)])
def get_request(request_id: RequestId, conn: ConnDep) -> RequestOut:
    return _request_out(conn, request_id)


@router.post("/requests/{request_id}/verify", response_model=RequestOut, tags=["requests"],
             summary="Record how the requester's identity was checked")
def verify_request(request_id: RequestId, body: VerifyIn, principal: PrivacyStaff, conn: TxDep) -> RequestOut:
    requests.verify(conn, request_id, by=principal.actor, how=body.how, actor=principal.actor)
    return _request_out(conn, request_id)


@router.post("/requests/{request_id}/refuse", response_model=RequestOut, tags=["requests"],
             summary="Refuse a request, giving the reason (kept and told to the requester)")
def refuse_request(request_id: RequestId, body: RefuseIn, principal: PrivacyStaff, conn: TxDep) -> RequestOut:
    requests.refuse(conn, request_id, reason=body.reason, actor=principal.actor)
    return _request_out(conn, request_id)


@router.post("/requests/{request_id}/complete", response_model=None, tags=["requests"],
             summary="Carry out a verified request; an access request answers with the member's data as a JSON file",
             responses={200: {"description": "The request (or, for access, the machine-readable copy as a download)."}})
def complete_request(request_id: RequestId, principal: PrivacyStaff, conn: TxDep, home: HomeDep, served: ServedModelDep,
                     background: BackgroundTasks, body: CompleteIn | None = None) -> RequestOut | JSONResponse:
    actor = principal.actor
    kind = requests.get_request(conn, request_id).kind
    if body is not None and kind != "rectification" and (body.profile or body.identifiers):
        raise MuseionError("corrections come only with a rectification request")
    if kind == "access":
        flush_deferred(conn.engine)
        copy = requests.complete_access(conn, KeyRing.load(home), request_id, actor=actor)
        return _export_download(copy, f"museion-access-{request_id}.json")
    if kind == "rectification":
        profile = body.profile.model_dump(exclude_none=True) if body and body.profile else {}
        identifiers = body.identifiers.model_dump(exclude_none=True) if body and body.identifiers else {}
        if not profile and not identifiers:
            raise MuseionError("a rectification needs the corrected profile fields or identifiers")
        requests.complete_rectification(conn, KeyRing.load(home), request_id, profile=profile, identifiers=identifiers, actor=actor)
    elif kind == "erasure":
        complete_erasure(conn, home, request_id, actor=actor)
        served.forget()  # the serving index was scrubbed on disk: reload it
        background.add_task(requests.purge_erased, conn.engine)  # after the commit: no old copy left in SQLite's WAL
    elif kind == "restriction":
        requests.complete_restriction(conn, request_id, actor=actor)
    else:
        requests.complete_withdrawal(conn, request_id, actor=actor)
    return _request_out(conn, request_id)


@router.post("/members/{member}/export", response_model=None, tags=["requests"],
             summary="Self-service copy of everything held about the member (opens and completes an access request)",
             responses={200: {"description": "The machine-readable copy, as a JSON download."}})
def self_service_export(member: MemberKey, principal: MemberSelf, settings: SettingsDep, home: HomeDep, conn: TxDep) -> JSONResponse:
    """A POST (session callers send the CSRF token): it records a request, so no link or cross-site page may trigger it."""
    flush_deferred(conn.engine)  # the lists shown up to now belong in the copy
    how = "signed in with the member's own account" if principal.member_key == member else f"staff role {principal.role}"
    request_id = requests.open_request(conn, member, "access", channel=principal.channel("self-service"),
                                       due_days=settings.request_due_days, actor=principal.actor)
    requests.verify(conn, request_id, by=principal.actor, how=how, actor=principal.actor)
    copy = requests.complete_access(conn, KeyRing.load(home), request_id, actor=principal.actor)
    return _export_download(copy, "museion-my-data.json")
