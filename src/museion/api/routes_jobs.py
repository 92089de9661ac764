"""Long work as jobs over HTTP: starting one answers 202 with its address at once; the job's record shows its
status, progress, result or error; whoever started a job (and admins) may cancel it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.errors import MuseionError
from museion.fairness.curve import check_grid
from museion.http.authz import Forbidden, requires, signed_in
from museion.http.deps import EngineDep
from museion.http.problems import problem
from museion.jobs import QueueUnavailable, records
from museion.jobs.models import STATUSES
from museion.jobs_kinds import KINDS, QueueDep, sees_all, visible_job
from museion.recommend.models import MODELS
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
JobId = Annotated[int, Path(ge=1, le=2**62)]
Caller = Annotated[Principal, signed_in()]


class JobOut(BaseModel):
    id: int
    kind: str = Field(examples=["fairness_audit"])
    params: dict[str, Any]
    status: str = Field(description="queued, running, succeeded, failed or cancelled.")
    progress: float = Field(ge=0, le=1)
    message: str = Field(description="What the job is doing now.")
    result: dict[str, Any] | None = Field(description="What a succeeded job produced.")
    error: str | None = Field(description="Why a failed job failed.")
    actor: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested: bool
    links: dict[str, str] = Field(description="Where the result is read: `api` and/or `web` addresses.")


def job_out(job: dict[str, Any]) -> dict[str, Any]:
    return {**job, "links": KINDS[job["kind"]].links(job) if job["kind"] in KINDS else {}}


def accepted(request: Request, queue: QueueDep, principal: Principal, kind: str, params: dict[str, Any]) -> JSONResponse:
    """Start a job and answer 202 Accepted with its record and ``Location`` (503 when the queue is unreachable)."""
    try:
        job_id = queue.submit(kind, params, principal.actor)
    except QueueUnavailable as exc:
        return problem(503, "Job queue unavailable", str(exc), request.url.path)
    body = jsonable_encoder(job_out(records.get(queue.engine, job_id)))
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/jobs/{job_id}"})


def known_model(name: str) -> None:
    if name not in MODELS:
        raise MuseionError(f"unknown model {name!r}; choose from {', '.join(sorted(MODELS))}")


ACCEPTED = {202: {"model": JobOut, "description": "Started as a job: poll `Location` (GET /api/jobs/{id}) for progress and the result."}}


@router.get("", response_model=list[JobOut], summary="Jobs newest first: your own, or everyone's with `all=true` (admins)")
def list_jobs(principal: Caller, engine: EngineDep, all_jobs: Annotated[bool, Query(alias="all")] = False,
              status: Annotated[Literal[STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
              kind: Annotated[str | None, Query(max_length=64)] = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[dict[str, Any]]:
    if all_jobs and not sees_all(principal):
        raise Forbidden(f"the {principal.role} role sees only the jobs it started: leave out all=true")
    jobs = records.listing(engine, actor=None if all_jobs else principal.actor, status=status, kind=kind, limit=limit, offset=offset)
    return [job_out(job) for job in jobs]


@router.get("/{job_id}", response_model=JobOut, summary="One job: status, progress, result or error")
def get_job(job_id: JobId, principal: Caller, engine: EngineDep) -> dict[str, Any]:
    return job_out(visible_job(engine, principal, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut, summary="Cancel a job: at once when queued, at its next progress "
             "report when running", responses={409: {"description": "The job has already finished."}})
def cancel_job(job_id: JobId, principal: Caller, engine: EngineDep) -> dict[str, Any]:
    visible_job(engine, principal, job_id)
    return job_out(records.request_cancel(engine, job_id))


class TrainingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"algorithm": "ease", "source": "movielens"}]})
    algorithm: str = Field(max_length=32, description="pop, trending, itemknn, als, bpr, ease, rp3beta, content, or auto "
                                                      "(EASE when its work × work matrix fits in memory, else ALS).")
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$", description="Events of members from this source.")
    params: dict[str, float | int | bool | str] = Field(default_factory=dict, max_length=20, description="Model parameters.")
    seed: int = Field(2024, ge=0, le=2**31 - 1)
    evaluate: bool = Field(True, description="Attach a ratio-811 evaluation with these parameters first.")
    tune: bool = Field(False, description="Search the parameters not given on a ratio-811 validation part first.")
    trials: int | None = Field(None, ge=1, le=500, description="Trials of the search (default: per model).")


@router.post("/training", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Train a model version as a job (a draft: it serves nothing until reviewed and deployed)")
def start_training(request: Request, body: TrainingIn, principal: Annotated[Principal, requires(Perm.MODELS_WRITE)],
                   queue: QueueDep) -> JSONResponse:
    if body.algorithm != "auto":
        known_model(body.algorithm)
    return accepted(request, queue, principal, "training", body.model_dump())


class CurveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"model": "ease", "reranker": "xquad",
                                                                               "strengths": [0, 0.5, 1]}]})
    model: str = Field(max_length=32)
    reranker: str = Field(max_length=32, description="xquad, calibrated, longtail or mmr.")
    strengths: list[float] = Field(min_length=1, max_length=101, description="Starts at 0 and increases.")
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$")
    k: int = Field(10, ge=1, le=100)
    seed: int = Field(2024, ge=0, le=2**31 - 1)


@router.post("/rerank-curve", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Accuracy against fairness over a re-ranker's strength, as a job")
def start_curve(request: Request, body: CurveIn, principal: Annotated[Principal, requires(Perm.FAIRNESS_AUDIT)],
                queue: QueueDep) -> JSONResponse:
    known_model(body.model)
    check_grid(body.reranker, body.strengths)
    return accepted(request, queue, principal, "rerank_curve", body.model_dump())
