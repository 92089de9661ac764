"""Near-copy detection as API endpoints: submit a text or a picture (multipart upload) to be checked against the
catalogue's indexed texts and pictures (recorded at once, matched in a
``rights_match`` job) — each match goes to curators in the collaboration queue, kind
``rights.infringement``, with its evidence — read submissions with their matches, and index the catalogue (a job)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep
from museion.jobs.queue import JobQueue
from museion.jobs_kinds import QueueDep
from museion.rights import submissions
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/rights", tags=["rights"])
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]


def _read(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes: enough for the service to refuse an oversized file with its reason."""
    return upload.file.read(limit + 1)


def _match_later(request: Request, engine: Engine, queue: JobQueue, principal: Principal,
                 found: dict[str, Any]) -> dict[str, Any] | JSONResponse:
    """A pending submission is matched by a ``rights_match`` job (202 with the job); a skipped one is answered with
    its record and reason."""
    if found["status"] != "pending":
        return found
    response = accepted(request, queue, principal, "rights_match", {"submission": found["id"]})
    if response.status_code == 202:
        with engine.begin() as conn:
            submissions.attach_job(conn, found["id"], json.loads(response.body)["id"])
    return response


@router.post("/submissions/text", response_model=None, responses=ACCEPTED,
             summary="Check a submitted text for near-copies of the catalogue's indexed texts, as a job")
def submit_text(request: Request, engine: EngineDep, principal: Curator, queue: QueueDep,
                file: Annotated[UploadFile, File(description="UTF-8 text")]) -> dict[str, Any] | JSONResponse:
    data = _read(file, submissions.MAX_TEXT_BYTES)
    with engine.begin() as conn:
        found = submissions.receive_text(conn, file.filename or "upload.txt", data, principal.actor)
    return _match_later(request, engine, queue, principal, found)


@router.post("/submissions/image", response_model=None, responses=ACCEPTED,
             summary="Check a submitted picture for near-copies of the indexed pictures, as a job")
def submit_image(request: Request, engine: EngineDep, principal: Curator, queue: QueueDep,
                 file: Annotated[UploadFile, File(description="a picture")]) -> dict[str, Any] | JSONResponse:
    data = _read(file, submissions.MAX_IMAGE_BYTES)
    with engine.begin() as conn:
        found = submissions.receive_image(conn, file.filename or "upload", data, principal.actor)
    return _match_later(request, engine, queue, principal, found)


@router.get("/submissions", summary="Submissions checked for near-copies, newest first",
            dependencies=[requires(Perm.STUDIO_SUGGEST)])
def listing(conn: ConnDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return submissions.submissions(conn, limit=limit)


@router.get("/submissions/{submission_id}", summary="One submission with its matches and their evidence",
            dependencies=[requires(Perm.STUDIO_SUGGEST)])
def detail(conn: ConnDep, submission_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    return submissions.submission(conn, submission_id)


class IndexIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: Literal["texts", "demo-images"] = Field("texts", description="The catalogue's texts, or the demo pictures "
                                                  "(scikit-image's and generated ones, labelled generated).")
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$", description="texts: only works of this source.")


@router.post("/index", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Index the catalogue's texts or the demo pictures for near-copy search, as a job")
def index(request: Request, body: IndexIn, principal: Curator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "rights_index", body.model_dump())
