"""Fairness audits of model versions: run one (as a job), list them, read one as JSON or as an HTML report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.fairness.report import app_html, audit_figures, audit_title
from museion.fairness.service import get_audit as read_audit
from museion.fairness.service import list_audits
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.jobs_kinds import QueueDep
from museion.scale.engine import check_engine
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/registry/versions", tags=["fairness"])
Id = Annotated[int, Path(ge=1, le=2**62)]
SUMMARY_EXAMPLE = {"members": 608, "k": 10, "head_tail_exposure_gap": 0.748, "long_tail_share": 0.287, "exposure_gini": 0.956,
                   "popularity_lift": 1.083, "ndcg@10": 0.266, "recall@10": 0.196, "miscalibration_kl": 0.581,
                   "activity_ndcg@10_gap": 0.165}


class AuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scope": "evaluation", "k": 10, "seed": 2024}]})

    scope: Literal["evaluation", "served"] = Field("evaluation", description="evaluation: refit on the version's 8:1 train+valid "
                                                   "data and audit the test members' lists; served: the lists actually served.")
    k: int = Field(10, ge=1, le=100, description="List length audited (evaluation scope).")
    seed: int = Field(2024, ge=0, le=2**31 - 1, description="Seed for the split and the bootstrap intervals.")
    engine: Literal["local", "ray"] = Field("local", description="local: member partitions in the job's process; ray: on the "
                                            "Ray cluster the server is configured with (MUSEION_RAY_ADDRESS; needs museion[scale]).")
    partitions: int = Field(16, ge=1, le=4096, description="Member partitions the audit is mapped over.")


class AuditSummaryOut(BaseModel):
    id: int
    model_version_id: int
    scope: str
    created_at: datetime
    created_by: str
    groups: dict[str, list[str]] = Field(examples=[{"item": ["popularity_tier", "era"], "member": ["activity_level"]}])
    summary: dict[str, Any] = Field(examples=[SUMMARY_EXAMPLE])


class AuditOut(AuditSummaryOut):
    metrics: dict[str, Any] = Field(description="Provider, member, data-side and calibration figures (see docs/benchmarks.md).")


@router.post("/{version_id}/fairness-audits", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Run a fairness audit of a model version, as a job (the audit's address is in the job's links)")
def run_audit(request: Request, version_id: Id, body: AuditIn, principal: Annotated[Principal, requires(Perm.FAIRNESS_AUDIT)],
              engine: EngineDep, queue: QueueDep) -> JSONResponse:
    list_audits(engine, version_id, limit=1)  # an unknown version is a 404 now, not a failed job later
    check_engine(body.engine)  # ray without museion[scale] installed: a clear 4xx now
    return accepted(request, queue, principal, "fairness_audit", {"version_id": version_id, **body.model_dump()})


@router.get("/{version_id}/fairness-audits", response_model=list[AuditSummaryOut], summary="Fairness audits of a model version, newest first",
            dependencies=[requires(Perm.MODELS_READ)])
def audits(engine: EngineDep, version_id: Id, limit: Annotated[int, Query(ge=1, le=200)] = 50,
           offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> list[dict[str, Any]]:
    return list_audits(engine, version_id, limit=limit, offset=offset)


@router.get("/{version_id}/fairness-audits/{audit_id}", response_model=AuditOut, summary="One fairness audit, every figure",
            dependencies=[requires(Perm.MODELS_READ)])
def get_audit(engine: EngineDep, version_id: Id, audit_id: Id) -> dict[str, Any]:
    return read_audit(engine, version_id, audit_id)


@router.get("/{version_id}/fairness-audits/{audit_id}/report", response_class=HTMLResponse,
            summary="One fairness audit as an HTML report with charts", dependencies=[requires(Perm.MODELS_READ)])
def audit_report(engine: EngineDep, version_id: Id, audit_id: Id) -> HTMLResponse:
    record = read_audit(engine, version_id, audit_id)
    return HTMLResponse(app_html(audit_title(record), record["summary"], audit_figures(record)))
