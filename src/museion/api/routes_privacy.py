"""Consents over HTTP: a member's current decisions, and recording a grant or a withdrawal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from museion.api.authz import requires
from museion.audience.activity import member_id_for
from museion.privacy import consent
from museion.security.permissions import Perm

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


@router.get("/members/{member}/consents", response_model=list[ConsentOut], summary="A member's current consent decisions",
            dependencies=[requires(Perm.MEMBER_DATA, member="member")])
def list_consents(request: Request, member: MemberKey) -> list[ConsentOut]:
    with request.app.state.engine.connect() as conn:
        states = consent.states(conn, member_id_for(conn, member))
    return [ConsentOut(purpose=s.purpose, granted=s.granted, notice_version=s.notice_version, source=s.source,
                       recorded_at=s.recorded_at) for s in states]


@router.post("/members/{member}/consents", response_model=list[ConsentOut], status_code=201,
             summary="Grant or withdraw consent to a purpose", dependencies=[requires(Perm.CONSENT_WRITE, member="member")])
def decide(request: Request, member: MemberKey, body: ConsentIn) -> list[ConsentOut]:
    with request.app.state.engine.begin() as conn:
        member_id = member_id_for(conn, member)
        consent.record(conn, member_id, consent.current_purpose(conn, body.purpose), granted=body.granted,
                       notice_version=body.notice_version, source=body.source)
    return list_consents(request, member)
