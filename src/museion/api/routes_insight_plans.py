"""The planner, audience segments and the new-work outlook as API endpoints. Analysts (``stats:read``) read plans,
segments and outlooks; solving and explaining a plan, comparing scenarios, proposing and segmenting take seconds, so
they are jobs (202 with the job; its result, or ``/segments/{id}``, when done); proposing a plan into the review queue needs ``queue:propose``; two algorithm reviewers decide
it in the queue (``/api/queue``), and the plan record follows their decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.http.authz import requires
from museion.errors import MuseionError, NotFound
from museion.http.deps import ConnDep, EngineDep, TxDep
from museion.insight import outlooks, plans
from museion.insight.plan_jobs import plan_params
from museion.jobs import records
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/insight", tags=["insight"])
PLAN_JOB, SEGMENTS_JOB = "insight_plan", "insight_segments"
Analyst = Annotated[Principal, requires(Perm.STATS_READ)]
Proposer = Annotated[Principal, requires(Perm.QUEUE_PROPOSE)]
Label = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f]+$")]
Date = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-01"])]


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")
    work_key: Label
    available_from: Date | None = None
    available_until: Date | None = None


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="plan", min_length=1, max_length=255)
    slots: int | None = Field(default=None, ge=1, le=10_000, description="Promotion slots: exactly this many works.")
    budget: float | None = Field(default=None, description="The plan's costs add up to at most this (positive).")
    quotas: dict[Label, float] = Field(default_factory=dict, max_length=50, examples=[{"creator_gender:Female": 0.3}],
                                       description="Group -> minimum share of the plan (genre:…, era:…, creator_gender:…, "
                                                   "creator_nationality:…, tier:head|mid|tail, emerging).")
    max_share: dict[Label, float] = Field(default_factory=dict, max_length=10, examples=[{"genre": 0.25}],
                                          description="Dimension -> the most one of its values may take.")
    min_distinct: dict[Label, int] = Field(default_factory=dict, max_length=10, examples=[{"genre": 5}])
    costs: dict[Label, float] = Field(default_factory=dict, max_length=20_000, description="Work key -> cost.")
    default_cost: float = Field(default=1.0, ge=0)
    availability: list[Availability] = Field(default_factory=list, max_length=20_000)
    window: tuple[Date, Date] | None = Field(default=None, description="The plan's first and last day.")
    source: str | None = Field(default=None, max_length=64, pattern=r"^[\w.-]+$")

    def spec(self) -> plans.PlanSpec:
        return plans.PlanSpec(self.name, self.slots, self.budget, dict(self.quotas), dict(self.max_share),
                              dict(self.min_distinct), dict(self.costs), self.default_cost,
                              [(a.work_key, a.available_from, a.available_until) for a in self.availability],
                              self.window, self.source)


class CompareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenarios: list[PlanIn] = Field(min_length=1, max_length=8, description="Solved on the first one's candidates.")


@router.post("/plans/preview", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Solve and explain a plan without storing it (AI-made), as a job: its result is the plan")
def preview(request: Request, body: PlanIn, principal: Analyst, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, PLAN_JOB, plan_params("preview", [body.spec()]))


@router.post("/plans", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Solve a plan, store it and propose it into the review queue, as a job: its result is the plan id")
def propose(request: Request, body: PlanIn, principal: Proposer, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, PLAN_JOB, plan_params("propose", [body.spec()]))


@router.post("/plans/compare", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="What-if as a job: scenarios side by side on the same candidates (one scenario: the standard what-if)")
def compare(request: Request, body: CompareIn, principal: Analyst, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, PLAN_JOB, plan_params("compare", [s.spec() for s in body.scenarios]))


@router.get("/plans", summary="Stored plans, newest first, with what people decided")
def list_plans(conn: ConnDep, _: Analyst, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
    return plans.plans(conn, limit=limit)


@router.get("/plans/{plan_id}", summary="One plan with its explanation")
def one_plan(conn: ConnDep, _: Analyst, plan_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    return plans.plan(conn, plan_id)


class SegmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    k_max: int = Field(default=8, ge=2, le=20, description="Segments tried: 2 to k_max.")
    source: str | None = Field(default=None, max_length=64, pattern=r"^[\w.-]+$")


@router.post("/segments", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Find audience segments on taste vectors as a job (profiles of at least 5 members, the criterion, "
                     "stability across seeds)")
def start_segments(request: Request, body: SegmentsIn, principal: Analyst, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, SEGMENTS_JOB, body.model_dump())


@router.get("/segments/{run_id}", summary="The segments a finished segments job found")
def saved_segments(engine: EngineDep, _: Analyst, run_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    return finished(engine, run_id, SEGMENTS_JOB)


@router.get("/outlook", summary="First-year demand of a work (by key, or by genres and year) from comparable works")
def outlook(conn: TxDep, principal: Analyst, work_key: Annotated[str | None, Query(max_length=255)] = None,
            genre: Annotated[list[str] | None, Query(max_length=20)] = None,
            year: Annotated[int | None, Query(ge=0, le=3000)] = None) -> dict[str, Any]:
    return outlooks.outlook(conn, principal.actor, work_key=work_key, genres=genre, year=year)


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    test_share: float = Field(default=0.2, ge=0.05, le=0.5, description="The latest share of works that is forecast.")


@router.post("/outlook/evaluation", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Evaluate the outlook on a time split against the genre-mean baseline (a job; the result is in it)")
def outlook_evaluation(request: Request, body: EvaluationIn, principal: Analyst, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "outlook_evaluation", body.model_dump())


def finished(engine: Engine, job_id: int, kind: str) -> dict[str, Any]:
    """A succeeded job's result; another kind is not found, an unfinished one says where to look."""
    job = records.get(engine, job_id)
    if job["kind"] != kind:
        raise NotFound("no %(kind)s job %(id)s", kind=kind, id=job_id)
    if job["status"] != "succeeded":
        raise MuseionError("job %(id)s is %(status)s; see /api/jobs/%(id)s", id=job_id, status=job["status"])
    return {"id": job_id, "params": job["params"], **job["result"]}
