"""Member controls over HTTP: switch personalisation off or on, see the interest tags derived from one's
history and delete any of them. Each change counts from the member's very next recommendation list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from museion.api.authz import requires
from museion.audience import preferences
from museion.audience.activity import member_id_for
from museion.privacy.gate import may_use
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["member controls"])
MemberKey = Annotated[str, Path(max_length=255, description="The member's pseudonymous key.")]
Tag = Annotated[str, Path(min_length=1, max_length=512, pattern=r"^[^\x00-\x1f\x7f]+$", examples=["Drama"],
                          description="An interest tag, as listed by GET …/interests.")]
MemberSelf = Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]


class PersonalisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    personalise: bool = Field(description="false: a labelled non-personalised list from the next request on.")


class PersonalisationOut(BaseModel):
    member: str
    personalise: bool = Field(description="The member's own setting (on unless they switched it off).")
    consented: bool = Field(description="Whether the member consents to the personalisation purpose.")
    effective: bool = Field(description="Whether their next list can be personalised (setting and consent).")


class InterestOut(BaseModel):
    tag: str
    vocabulary: str = Field(examples=["genre"])
    weight: float = Field(description="Share of the member's activity on works carrying this tag.", examples=[0.42])


class InterestsOut(BaseModel):
    member: str
    interests: list[InterestOut] = Field(description="Strongest first; empty without personalisation consent.")
    deleted: list[str] = Field(description="Tags the member deleted: works carrying them are not recommended.")


def _personalisation(conn: Connection, member: str) -> PersonalisationOut:
    member_id = member_id_for(conn, member)
    on = preferences.controls(conn, member_id).personalise
    consented = may_use(conn, member_id, preferences.PURPOSE)
    return PersonalisationOut(member=member, personalise=on, consented=consented, effective=on and consented)


@router.get("/members/{member}/personalisation", response_model=PersonalisationOut,
            summary="Whether the member's recommendations are personalised", dependencies=[requires(Perm.MEMBER_DATA, member="member")])
def get_personalisation(request: Request, member: MemberKey) -> PersonalisationOut:
    with request.app.state.engine.connect() as conn:
        return _personalisation(conn, member)


@router.put("/members/{member}/personalisation", response_model=PersonalisationOut,
            summary="Switch personalisation off or on (effective on the next request)")
def put_personalisation(request: Request, member: MemberKey, body: PersonalisationIn, principal: MemberSelf) -> PersonalisationOut:
    with request.app.state.engine.begin() as conn:
        preferences.set_personalisation(conn, member_id_for(conn, member), body.personalise, actor=principal.actor)
        return _personalisation(conn, member)


@router.get("/members/{member}/interests", response_model=InterestsOut,
            summary="The interest tags Museion derived from the member's history, with their weights")
def get_interests(request: Request, member: MemberKey, principal: MemberSelf,
                  limit: Annotated[int, Query(ge=1, le=100)] = 20) -> InterestsOut:
    with request.app.state.engine.begin() as conn:  # the gate records the read: a write
        member_id = member_id_for(conn, member)
        found = preferences.interests(conn, member_id, actor=principal.actor, limit=limit)
        deleted = preferences.deleted_tags(conn, member_id)
    return InterestsOut(member=member, interests=[InterestOut(tag=i.tag, vocabulary=i.vocabulary, weight=i.weight) for i in found],
                        deleted=deleted)


@router.delete("/members/{member}/interests/{tag}", status_code=204,
               summary="Delete an interest tag: works carrying it leave the member's recommendations at once")
def delete_interest(request: Request, member: MemberKey, tag: Tag, principal: MemberSelf) -> Response:
    with request.app.state.engine.begin() as conn:
        preferences.suppress(conn, member_id_for(conn, member), tag, actor=principal.actor)
    return Response(status_code=204)
