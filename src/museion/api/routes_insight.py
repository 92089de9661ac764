"""Market insight as API endpoints: demand and catalogue series, forecasts (one or a few series inline; a whole grouping
as a job whose result is the saved run), emerging trends and catalogue gaps. Audience demand is read through the
privacy gate (purpose analytics, cells under 5 members suppressed), so every read is an access record. Routes that fit
models read in a short transaction of their own and compute after it, so no write lock is held while models fit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.errors import MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.insight.demand import catalogue_series, demand_series, dp_demand_series
from museion.insight.forecast import MODELS
from museion.insight.forecasting import catalogue_gaps, find_trends, run_forecast
from museion.jobs import records
from museion.jobs_kinds import QueueDep
from museion.scale.engine import check_engine
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/insight", tags=["insight"])
KIND = "insight_forecast"
INLINE_SERIES = 3  # more series than this are a job (POST /api/insight/forecasts)

By = Literal["total", "work", "genre", "subject", "kind", "creator_gender", "creator_nationality", "era", "medium", "segment"]
Period = Literal["day", "week", "month", "year"]
Measure = Literal["demand", "acquisitions", "works"]
Model = Literal["AutoETS", "AutoTheta", "AutoARIMA", "SeasonalNaive", "Naive"]
Label = Annotated[str, Field(min_length=1, max_length=300)]
Groups = Annotated[list[str] | None, Query(max_length=50, description="Only these groups (repeat the parameter).")]
Kinds = Annotated[list[str] | None, Query(max_length=20, description="Only events of these kinds (repeat).")]
Source = Annotated[str | None, Query(max_length=64, pattern=r"^[\w.-]+$", description="One member source (with dp_epsilon: "
                                                                                    "the budget that pays).")]
Epsilon = Annotated[float | None, Query(gt=0, le=10, description="Release demand with differential privacy, spending this "
                                                                  "epsilon from the source's budget.")]


@router.get("/series", summary="Counts per group and period, gaps filled; demand cells under 5 members are null",
            dependencies=[requires(Perm.STATS_READ)])
def series(engine: EngineDep, principal: Annotated[Principal, requires(Perm.STATS_READ)], by: By = "genre",
           period: Period = "month", measure: Measure = "demand", group: Groups = None,
           top: Annotated[int | None, Query(ge=1, le=500)] = None, kind: Kinds = None, source: Source = None,
           dp_epsilon: Epsilon = None, max_contributions: Annotated[int, Query(ge=1, le=10_000)] = 50) -> dict[str, Any]:
    if dp_epsilon is not None:  # its own transactions: the budget is reserved under a lock before anything is read
        return dp_demand_series(engine, principal.actor, by, period, epsilon=dp_epsilon, source=source, groups=group,
                                top=top, kinds=kind, max_contributions=max_contributions).as_dict()
    with engine.begin() as conn:
        if measure == "demand":
            return demand_series(conn, principal.actor, by, period, groups=group, top=top, kinds=kind,
                                 source=source).as_dict()
        return catalogue_series(conn, by, measure, groups=group, top=top).as_dict()


@router.get("/forecast", summary="Backtest, choose and forecast one to three series inline (more: POST /forecasts)",
            dependencies=[requires(Perm.STATS_READ)])
def forecast_inline(engine: EngineDep, principal: Annotated[Principal, requires(Perm.STATS_READ)], by: By = "genre",
                    period: Period = "month", measure: Measure = "demand", group: Groups = None,
                    top: Annotated[int, Query(ge=1, le=INLINE_SERIES)] = 1, horizon: Annotated[int, Query(ge=1, le=520)] = 6,
                    origins: Annotated[int, Query(ge=0, le=24)] = 6, model: Annotated[list[Model] | None, Query()] = None,
                    kind: Kinds = None) -> dict[str, Any]:
    if group and len(group) > INLINE_SERIES:
        raise MuseionError("at most %(n)s series are forecast inline; start a job with POST /api/insight/forecasts",
                           n=INLINE_SERIES)
    return run_forecast(engine, principal.actor, measure=measure, by=by, period=period, groups=group, top=top,
                        horizon=horizon, origins=origins, models=model or MODELS, kinds=kind, with_total=False)


class ForecastIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure: Measure = "demand"
    by: By = "genre"
    period: Period = "month"
    groups: list[Label] | None = Field(None, max_length=200, description="Only these groups; default: the `top` largest.")
    top: int | None = Field(12, ge=1, le=200)
    horizon: int = Field(6, ge=1, le=520)
    origins: int = Field(8, ge=0, le=60, description="Rolling origins of the backtest (0: no backtest).")
    models: list[Model] | None = Field(None, min_length=1, description="Default: all five.")
    kinds: list[Annotated[str, Field(max_length=32)]] | None = Field(None, max_length=20)
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$")
    dp_epsilon: float | None = Field(None, gt=0, le=10, description="Forecast a differentially private release of "
                                                                     "demand, spending this epsilon from the source's budget.")
    reconcile: bool = Field(False, description="Also backtest hierarchical reconciliation (groups that partition the "
                                               "total: kind, era, segment).")
    engine: Literal["local", "ray"] = Field("local", description="local: series partitions in the job's process; ray: on the "
                                            "Ray cluster the server is configured with (MUSEION_RAY_ADDRESS; needs museion[scale]).")
    partitions: int = Field(16, ge=1, le=4096, description="Series partitions the backtests and forecasts are mapped over.")


@router.post("/forecasts", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Backtest and forecast every series of a grouping as a job; its result is the saved run")
def start_forecast(request: Request, body: ForecastIn, principal: Annotated[Principal, requires(Perm.STATS_READ)],
                   queue: QueueDep) -> JSONResponse:
    check_engine(body.engine)  # ray without museion[scale] installed: a clear 4xx now
    return accepted(request, queue, principal, KIND, body.model_dump())


def _summary(job: dict[str, Any]) -> dict[str, Any]:
    result = job.get("result") or {}
    return {"id": job["id"], "actor": job["actor"], "created_at": job["created_at"], "params": job["params"],
            "series": len(result.get("series", [])), "levels": result.get("levels", {})}


@router.get("/forecasts", summary="Saved forecast runs (succeeded forecast jobs), newest first",
            dependencies=[requires(Perm.STATS_READ)])
def saved_forecasts(engine: EngineDep, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[dict[str, Any]]:
    return [_summary(job) for job in records.listing(engine, kind=KIND, status="succeeded", limit=limit)]


@router.get("/forecasts/{run_id}", summary="One saved forecast run: history, forecasts with intervals, backtest table",
            dependencies=[requires(Perm.STATS_READ)])
def saved_forecast(engine: EngineDep, run_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    job = records.get(engine, run_id)
    if job["kind"] != KIND:
        raise NotFound("no forecast run %(id)s", id=run_id)
    if job["status"] != "succeeded":
        raise MuseionError("forecast run %(id)s is %(status)s; see /api/jobs/%(id)s", id=run_id, status=job["status"])
    return {"id": run_id, "params": job["params"], **job["result"]}


@router.get("/trends", summary="Emerging trends: interval breaches, growth z-scores and tested changepoints, ranked "
                               "with their evidence",
            dependencies=[requires(Perm.STATS_READ)])
def trends(engine: EngineDep, principal: Annotated[Principal, requires(Perm.STATS_READ)], by: By = "genre",
           period: Period = "month", measure: Measure = "demand", window: Annotated[int, Query(ge=1, le=104)] = 3,
           top: Annotated[int | None, Query(ge=1, le=200)] = 30, significant: bool = False,
           direction: Literal["up", "down"] | None = None, kind: Kinds = None, source: Source = None,
           dp_epsilon: Epsilon = None) -> dict[str, Any]:
    return find_trends(engine, principal.actor, measure=measure, by=by, period=period, window=window, top=top, kinds=kind,
                       only_significant=significant, direction=direction, source=source, dp_epsilon=dp_epsilon)


@router.get("/gaps", summary="Catalogue gaps: groups whose share of forecast demand outgrows their share of works",
            dependencies=[requires(Perm.STATS_READ)])
def gaps(engine: EngineDep, principal: Annotated[Principal, requires(Perm.STATS_READ)], by: By = "genre",
         period: Period = "month", horizon: Annotated[int, Query(ge=1, le=104)] = 6,
         ratio: Annotated[float, Query(ge=1.0, le=100.0)] = 1.5, kind: Kinds = None) -> dict[str, Any]:
    return catalogue_gaps(engine, principal.actor, by=by, period=period, horizon=horizon, ratio=ratio, kinds=kind)
