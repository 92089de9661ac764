"""De-identified releases over HTTP: differentially private activity counts under each dataset's privacy budget,
and k-anonymous creator tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.http.problems import problem
from museion.jobs_kinds import QueueDep
from museion.privacy import releases
from museion.privacy.dp import BudgetExceeded
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


@router.post("/releases/histogram", status_code=202, response_model=JobOut, tags=["releases"],
             summary="Differentially private activity counts per genre or kind, as a job (refused past the budget)",
             responses={**ACCEPTED, 409: {"description": "The release would exceed the dataset's privacy budget."}})
def release_histogram(request: Request, body: HistogramIn, principal: ReleaseRunner, conn: ConnDep, queue: QueueDep) -> JSONResponse:
    """Refused at once when the budget has too little left; the spend itself is reserved under the budget's lock
    when the job starts (so parallel requests can never overspend: a late one fails as a job) and given back
    if the release fails or is cancelled. The job's result holds the counts and the epsilon remaining."""
    try:  # on a copy of the ledger: nothing is charged here
        releases.budget(conn, body.dataset).charge(body.epsilon, "activity histogram")
    except BudgetExceeded as exc:
        return problem(409, "Privacy budget exceeded", f"refused: {exc}", request.url.path)
    return accepted(request, queue, principal, "dp_histogram", body.model_dump())


@router.post("/releases/k-anonymous", response_model=KAnonymousOut, tags=["releases"],
             summary="Creators' nationality, gender and birth year generalised until every group has at least k people")
def release_k_anonymous(body: KAnonymousIn, principal: ReleaseRunner, conn: TxDep) -> KAnonymousOut:
    report, table = releases.k_anonymous_creators(conn, body.source, k=body.k, l=body.l, max_suppression=body.max_suppression,
                                                  actor=principal.actor)
    return KAnonymousOut(report=report, records=jsonable_encoder(table.to_dict(orient="records")))
