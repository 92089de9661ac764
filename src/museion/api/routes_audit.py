"""The tamper-evident audit log over the API: entries with filters, and a check of the whole chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from museion import audit
from museion.http.authz import requires
from museion.http.deps import ConnDep
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["security"])
Ident = r"^[A-Za-z0-9_.:/#=-]*$"


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, object]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page; null at the end.")


class AuditProblemOut(BaseModel):
    seq: int
    kind: str
    message: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    last_seq: int
    checkpoints: int
    first_bad_seq: int | None
    seconds: float
    problems: list[AuditProblemOut]


@router.get("/audit", response_model=AuditPage, summary="Audit entries, oldest first, with filters",
            dependencies=[requires(Perm.AUDIT_READ)])
def audit_log(
    conn: ConnDep,
    actor: Annotated[str | None, Query(max_length=128, pattern=Ident, examples=["account:1"])] = None,
    action: Annotated[str | None, Query(max_length=64, pattern=Ident,
                                        description="An action, or a prefix ending in '.' (e.g. token.).")] = None,
    target: Annotated[str | None, Query(max_length=256, pattern=Ident)] = None,
    since: Annotated[datetime | None, Query(description="Entries at or after this time.")] = None,
    until: Annotated[datetime | None, Query(description="Entries before this time.")] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**62, description="Entries after this sequence number.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    f = audit.AuditFilter(actor=actor, action=action, target=target, since=since, until=until, after_seq=after_seq)
    items = audit.entries(conn, f, limit)
    return AuditPage(items=[AuditEntryOut(**e) for e in items], next_after_seq=items[-1]["seq"] if len(items) == limit else None)


@router.get("/audit/verify", response_model=VerifyOut, summary="Check the whole chain; names the first bad entry",
            dependencies=[requires(Perm.AUDIT_READ)])
def audit_verify(conn: ConnDep) -> VerifyOut:
    return VerifyOut.model_validate(audit.verify(conn).as_dict())
