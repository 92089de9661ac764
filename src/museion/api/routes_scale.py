"""Batch scoring over the API: start it for the deployed version as a job (local or on the configured Ray cluster),
then download the job's output file. Starting needs the permission that deploys versions (administrators): the file holds every member's list under their
key, so it is personal data; it is given only to whoever started the job."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.errors import NotFound
from museion.http.authz import requires
from museion.http.deps import EngineDep, HomeDep
from museion.jobs_kinds import QueueDep
from museion.jobs_kinds.runtime import visible_job
from museion.scale.batch import MEDIA_TYPES, check_deployed, find_output
from museion.scale.engine import check_engine
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(tags=["registry"])
Id = Annotated[int, Path(ge=1, le=2**62)]
Starter = Annotated[Principal, requires(Perm.MODELS_DEPLOY)]
FILE = {200: {"content": {"application/jsonl": {}, "application/vnd.apache.parquet": {}},
              "description": "The lists: one JSON line per member, or Parquet rows (member, rank, work, score, reason, because)."}}


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"k": 10, "engine": "local", "format": "jsonl"}]})

    k: int = Field(10, ge=1, le=100, description="Works per member.")
    engine: Literal["local", "ray"] = Field("local", description="local: member partitions in the job's process; ray: on the "
                                            "Ray cluster the server is configured with (MUSEION_RAY_ADDRESS; needs museion[scale]).")
    partitions: int = Field(16, ge=1, le=4096, description="Member partitions the scoring is mapped over.")
    format: Literal["jsonl", "parquet"] = Field("jsonl", description="JSON Lines (one line per member) or Parquet.")


@router.post("/api/registry/versions/{version_id}/batch-scoring", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Score every member with the deployed version (re-ranked, with reasons) into a file, as a job")
def start_batch(request: Request, version_id: Id, body: BatchIn, principal: Starter, engine: EngineDep,
                queue: QueueDep) -> JSONResponse:
    check_deployed(engine, version_id)  # unknown: 404; not the deployed one: 409, before anything is queued
    check_engine(body.engine)  # ray without museion[scale] installed: a clear 4xx now
    return accepted(request, queue, principal, "batch_scoring", {"version_id": version_id, **body.model_dump()})


@router.get("/api/scale/batch-scoring/{job_id}/output", response_class=FileResponse, responses=FILE,
            summary="Download a finished batch-scoring job's lists (only its starter may)")
def batch_output(job_id: Id, principal: Starter, engine: EngineDep, home: HomeDep) -> FileResponse:
    job = visible_job(engine, principal, job_id)
    if job["kind"] != "batch_scoring" or job["actor"] != principal.actor:
        raise NotFound(f"no batch-scoring job {job_id} of yours")
    path = find_output(home, job_id)
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], filename=path.name)
