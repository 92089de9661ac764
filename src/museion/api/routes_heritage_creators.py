"""The same creator across sources as API endpoints: start a match (a job: new pairs go to curators in the queue,
kind ``heritage.same_creator``), list the creator links curators decided, and remove one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.heritage import creator_links
from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/heritage/creators", tags=["heritage"])
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[Annotated[str, Field(max_length=64, pattern=r"^[\w.-]+$")]] = Field(
        default_factory=lambda: ["tate", "moma"], min_length=1, max_length=2,
        description="Two sources to match against each other, or one within itself.")
    threshold: float | None = Field(None, ge=0.05, le=1, description="Default: chosen on the labelled Tate–MoMA sample.")
    limit: int = Field(500, ge=1, le=10_000, description="Queue at most this many new pairs, best first.")


class LinkOut(BaseModel):
    id: int
    relation: str
    proposal_id: int | None
    decided_by: str
    created_at: datetime
    creator_id: int
    creator: str
    creator_name: str
    other_creator_id: int
    other_creator: str
    other_name: str


@router.post("/matches", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Match creators across sources as a job; new pairs go to curators in the queue")
def start_match(request: Request, body: MatchIn, principal: Curator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "creator_match", body.model_dump())


@router.get("/matches", response_model=list[LinkOut], summary="Creator links curators decided (same_person, distinct)",
            dependencies=[requires(Perm.CATALOG_READ)])
def list_links(conn: ConnDep, relation: Literal["same_person", "distinct"] | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[LinkOut]:
    return [LinkOut(**row) for row in creator_links.links(conn, relation=relation, limit=limit)]


@router.delete("/matches/{link_id}", summary="Remove a decided creator link (the pair stays decided in the queue)")
def remove_link(conn: TxDep, principal: Curator, link_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, object]:
    gone = creator_links.unlink(conn, link_id, principal.actor)
    return {"id": link_id, "relation": gone["relation"], "removed": True}
