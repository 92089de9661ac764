"""The planner, audience segments and the new-work outlook as API endpoints. Analysts (``stats:read``) read plans,
segments and outlooks; proposing a plan into the review queue needs ``queue:propose``; two algorithm reviewers decide
it in the queue (``/api/queue``), and the plan record follows their decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted

from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.insight import outlooks, plans
from museion.insight.segmenting import segment
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/insight", tags=["insight"])
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


@router.post("/plans/preview", summary="Solve and explain a plan without storing it (AI-made)")
def preview(body: PlanIn, principal: Analyst, conn: TxDep) -> dict[str, Any]:
    return plans.make_plan(conn, principal.actor, body.spec())


@router.post("/plans", status_code=201, summary="Solve a plan, store it and propose it into the review queue")
def propose(body: PlanIn, principal: Proposer, conn: TxDep) -> dict[str, Any]:
    return plans.plan(conn, plans.propose_plan(conn, principal.actor, body.spec()))


@router.post("/plans/compare", summary="What-if: scenarios side by side on the same candidates")
def compare(body: CompareIn, principal: Analyst, conn: TxDep) -> list[dict[str, Any]]:
    return plans.scenarios(conn, principal.actor, [s.spec() for s in body.scenarios])


@router.get("/plans", summary="Stored plans, newest first, with what people decided")
def list_plans(conn: ConnDep, _: Analyst, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
    return plans.plans(conn, limit=limit)


@router.get("/plans/{plan_id}", summary="One plan with its explanation")
def one_plan(conn: ConnDep, _: Analyst, plan_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    return plans.plan(conn, plan_id)


@router.get("/segments", summary="Audience segments on taste vectors: profiles (aggregates of at least 5 members), the "
                                 "criterion and stability across seeds")
def segments(conn: TxDep, principal: Analyst, k_max: Annotated[int, Query(ge=2, le=20)] = 8,
             source: Annotated[str | None, Query(max_length=64, pattern=r"^[\w.-]+$")] = None) -> dict[str, Any]:
    return segment(conn, principal.actor, ks=range(2, k_max + 1), source=source)


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
