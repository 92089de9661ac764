"""De-identified releases over HTTP: differentially private activity counts under each dataset's privacy budget,
and k-anonymous creator tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, TxDep
from museion.http.problems import problem
from museion.privacy import releases
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["privacy"])
ReleaseRunner = Annotated[Principal, requires(Perm.RELEASES_RUN)]

Dataset = Annotated[str, Path(max_length=64, pattern=r"^[\w.-]+$", description="A member source, e.g. movielens.")]


class BudgetOut(BaseModel):
    dataset: str
    total_epsilon: float
    spent: float
    remaining: float
    releases: int


class HistogramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(max_length=64, pattern=r"^[\w.-]+$", examples=["movielens"])
    by: Literal["genre", "kind"] = "genre"
    epsilon: float = Field(gt=0, le=10, examples=[0.5], description="Privacy loss charged to the dataset's budget.")
    max_contributions: int = Field(default=50, ge=1, le=10_000, description="Events counted per member at most.")


class HistogramOut(BaseModel):
    dataset: str
    by: str
    epsilon: float
    mechanism: str
    error_bound: float = Field(description="Each count is within this of the truth with `confidence` probability.")
    confidence: float
    max_contributions: int
    counts: dict[str, int]
    remaining_epsilon: float


class KAnonymousIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(max_length=64, pattern=r"^[\w.-]+$", examples=["moma"])
    k: int = Field(default=5, ge=2, le=1000)
    l: int = Field(default=1, ge=1, le=100, description="Distinct l-diversity within each group (1: off).")  # noqa: E741
    max_suppression: float = Field(default=0.05, ge=0, le=0.5)


class KAnonymousOut(BaseModel):
    report: dict[str, Any]
    records: list[dict[str, Any]] = Field(description="The released, generalised creator table.")


def _budget_out(conn: Connection, dataset: str) -> BudgetOut:
    ledger = releases.budget(conn, dataset)
    return BudgetOut(dataset=dataset, total_epsilon=ledger.total_epsilon, spent=ledger.spent, remaining=ledger.remaining,
                     releases=len(ledger.spends))


@router.get("/releases/budgets/{dataset}", response_model=BudgetOut, tags=["releases"],
            summary="A dataset's differential-privacy budget: total, spent, remaining",
            dependencies=[requires(Perm.RELEASES_RUN)])
def release_budget(dataset: Dataset, conn: ConnDep) -> BudgetOut:
    return _budget_out(conn, dataset)


@router.post("/releases/histogram", response_model=HistogramOut, tags=["releases"],
             summary="Differentially private activity counts per genre or kind (refused past the budget)",
             responses={409: {"description": "The release would exceed the dataset's privacy budget."}})
def release_histogram(request: Request, body: HistogramIn, principal: ReleaseRunner, engine: EngineDep) -> HistogramOut | JSONResponse:
    try:  # the spend is reserved under the budget's lock before counting, and given back if the release fails
        release = releases.activity_histogram(engine, body.dataset, body.by, epsilon=body.epsilon, actor=principal.actor,
                                              max_contributions=body.max_contributions)
    except releases.BudgetRefused as exc:
        return problem(409, "Privacy budget exceeded", str(exc), request.url.path)
    with engine.connect() as conn:
        remaining = releases.budget(conn, body.dataset).remaining
    return HistogramOut(dataset=body.dataset, by=body.by, epsilon=release.epsilon, mechanism=release.mechanism,
                        error_bound=release.error_bound, confidence=release.confidence,
                        max_contributions=release.max_contributions,
                        counts={str(k): v for k, v in release.as_dict().items()}, remaining_epsilon=remaining)


@router.post("/releases/k-anonymous", response_model=KAnonymousOut, tags=["releases"],
             summary="Creators' nationality, gender and birth year generalised until every group has at least k people")
def release_k_anonymous(body: KAnonymousIn, principal: ReleaseRunner, conn: TxDep) -> KAnonymousOut:
    report, table = releases.k_anonymous_creators(conn, body.source, k=body.k, l=body.l, max_suppression=body.max_suppression,
                                                  actor=principal.actor)
    return KAnonymousOut(report=report, records=jsonable_encoder(table.to_dict(orient="records")))
