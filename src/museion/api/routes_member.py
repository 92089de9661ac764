"""Member controls over HTTP: switch personalisation off or on, see the interest tags derived from one's
history and delete any of them. Each change counts from the member's very next recommendation list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep, record_staff_read
from museion.privacy import gate, preferences
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


def _personalisation(conn: Connection, member: str, member_id: int) -> PersonalisationOut:
    """The member's setting and consent."""
    on = preferences.controls(conn, member_id).personalise
    consented = gate.may_use(conn, member_id, preferences.PURPOSE)
    return PersonalisationOut(member=member, personalise=on, consented=consented, effective=on and consented)


@router.get("/members/{member}/personalisation", response_model=PersonalisationOut,
            summary="Whether the member's recommendations are personalised")
def get_personalisation(member: MemberKey, principal: MemberSelf, conn: ConnDep) -> PersonalisationOut:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    record_staff_read(conn.engine, principal, member_id, "personalisation")
    return _personalisation(conn, member, member_id)


@router.put("/members/{member}/personalisation", response_model=PersonalisationOut,
            summary="Switch personalisation off or on (effective on the next request)")
def put_personalisation(member: MemberKey, body: PersonalisationIn, principal: MemberSelf, conn: TxDep) -> PersonalisationOut:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    preferences.set_personalisation(conn, member_id, body.personalise, actor=principal.actor)
    return _personalisation(conn, member, member_id)


@router.get("/members/{member}/interests", response_model=InterestsOut,
            summary="The interest tags Museion derived from the member's history, with their weights")
def get_interests(member: MemberKey, principal: MemberSelf, conn: TxDep,  # the gate records the read: a write
                  limit: Annotated[int, Query(ge=1, le=100)] = 20) -> InterestsOut:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    found = preferences.interests(conn, member_id, actor=principal.actor, limit=limit)
    deleted = preferences.deleted_tags(conn, member_id)
    return InterestsOut(member=member, interests=[InterestOut(tag=i.tag, vocabulary=i.vocabulary, weight=i.weight) for i in found],
                        deleted=deleted)


@router.delete("/members/{member}/interests/{tag}", status_code=204,
               summary="Delete an interest tag: works carrying it leave the member's recommendations at once")
def delete_interest(member: MemberKey, tag: Tag, principal: MemberSelf, conn: TxDep) -> Response:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    preferences.suppress(conn, member_id, tag, actor=principal.actor)
    return Response(status_code=204)
