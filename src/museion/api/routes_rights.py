"""Rights management as API endpoints: scanning the catalogue for near-duplicate records (a job: the matches go to the
collaboration queue, kind ``rights.duplicate``) and the links curators decided."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted

from museion.http.authz import requires
from museion.http.deps import ConnDep
from museion.jobs_kinds import QueueDep
from museion.rights import matching
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/rights", tags=["rights"])


@router.get("/links", summary="Links between catalogue records that curators decided (same_as, related, distinct)",
            dependencies=[requires(Perm.CATALOG_READ)])
def links(conn: ConnDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return matching.links(conn, limit=limit)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$", description="Only works of this source.")
    limit: int = Field(50, ge=1, le=10_000, description="Queue at most this many new pairs, most similar first.")
    threshold: float | None = Field(None, ge=0.05, le=1, description="Default: learned from curators' decisions.")


@router.post("/duplicates", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Scan the catalogue for near-duplicate records as a job; new pairs go to curators in the queue")
def scan_duplicates(request: Request, body: ScanIn, principal: Annotated[Principal, requires(Perm.STUDIO_SUGGEST)],
                    queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "duplicate_scan", body.model_dump())
