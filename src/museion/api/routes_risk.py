"""Risk warning as API endpoints: alerts (list with filters, one with its evidence and history, state changes with a
reason), the detectors' thresholds, and the shilling detector or an attack drill run as a job (202)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.jobs_kinds import QueueDep
from museion.risk import alerts, drift_check, kpi, misuse_scan, quality, served_drift
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/risk", tags=["risk"])
AlertId = Annotated[int, Path(ge=1, le=2**62)]
Reader = Annotated[Principal, requires(Perm.RISK_READ)]
Manager = Annotated[Principal, requires(Perm.RISK_MANAGE)]


@router.get("/alerts", summary="Risk alerts, newest first, filtered by kind, state and severity")
def list_alerts(
    _: Reader, conn: ConnDep,
    kind: Annotated[Literal["shilling", "kpi", "misuse", "drift", "quality", "experiment", "licence"] | None, Query()] = None,
    state: Annotated[Literal["open", "acknowledged", "resolved", "false_alarm"] | None, Query()] = None,
    severity: Annotated[Literal["low", "medium", "high"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    return alerts.list_alerts(conn, kind=kind, state=state, severity=severity, limit=limit)


@router.get("/alerts/{alert_id}", summary="One alert with its evidence and its history of state changes and deliveries")
def get_alert(alert_id: AlertId, _: Reader, conn: ConnDep) -> dict[str, Any]:
    return alerts.get_alert(conn, alert_id)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["open", "acknowledged", "resolved", "false_alarm"]
    why: str = Field(min_length=1, max_length=2000, description="Recorded with your name on the alert.")


@router.post("/alerts/{alert_id}/transition", summary="Acknowledge, resolve, mark a false alarm or reopen an alert")
def transition(alert_id: AlertId, body: TransitionIn, principal: Manager, conn: TxDep) -> dict[str, Any]:
    return alerts.transition(conn, alert_id, body.state, actor=principal.actor, why=body.why)


@router.get("/thresholds", summary="Each detector's threshold in force and its history (false alarms raise it)")
def thresholds(_: Reader, conn: ConnDep) -> list[dict[str, Any]]:
    return alerts.thresholds(conn)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$", description="Only members of this source.")
    simulate: bool = Field(False, description="A drill: inject a labelled attack into a scratch copy, never the store.")
    type: Literal["random", "average", "bandwagon", "segment"] = "average"
    intent: Literal["push", "nuke"] = "push"
    size: float = Field(0.05, ge=0.01, le=0.10, description="Fake profiles as a share of members.")
    filler: float = Field(0.03, ge=0.01, le=0.05, description="Filler items as a share of works.")
    target: int | None = Field(None, ge=1, description="The work id attacked (default: a rarely rated one).")
    seed: int = Field(0, ge=0, le=2**31)
    filler_from: Literal["random", "popular"] = Field("random", description="Drill filler: any works, or popular ones.")
    method: Literal["features", "semi"] = Field(
        "features", description="features: the unsupervised detector; semi: it plus a classifier trained on attacks "
                                "generated into a copy of the same ratings (catches popular-filler attackers).")


@router.post("/shilling-scans", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Run the fake-profile detector (or an attack drill) as a job; alerts appear under /api/risk/alerts")
def shilling_scan(request: Request, body: ScanIn, principal: Manager, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "shilling_scan", body.model_dump())


@router.post("/kpi-scans", summary="Check monthly activity for anomalies now (a quick read of aggregates); new alerts")
def kpi_scan(principal: Manager, conn: TxDep) -> dict[str, list[int]]:
    return {"alerts": kpi.scan_activity(conn, actor=principal.actor)}


@router.post("/misuse-scans", summary="Check sign-in failures, personal-data reads and the audit chain now; new alerts")
def misuse(principal: Manager, conn: TxDep, days: Annotated[int, Query(ge=1, le=365)] = 30) -> dict[str, list[int]]:
    return {"alerts": misuse_scan.scan(conn, actor=principal.actor, days=days)}


@router.post("/drift-scans", summary="Compare the latest window of ratings with the one before now; new drift alerts")
def drift(principal: Manager, conn: TxDep, days: Annotated[int, Query(ge=7, le=730)] = 90) -> dict[str, list[int]]:
    return {"alerts": drift_check.scan(conn, actor=principal.actor, days=days)}


@router.post("/served-drift-scans", summary="The deployed version's live hit rate and long-tail share of served lists, "
                                          "last window against the one before, now; new drift alerts")
def served(principal: Manager, conn: TxDep, days: Annotated[int, Query(ge=7, le=365)] = 30) -> dict[str, list[int]]:
    return {"alerts": served_drift.scan(conn, actor=principal.actor, days=days)}


@router.post("/quality-scans", summary="Check each import's volume, and its columns' empty values and value "
                                       "distributions, against its history now; new data-quality alerts")
def import_quality(principal: Manager, conn: TxDep) -> dict[str, list[int]]:
    return {"alerts": quality.scan(conn, actor=principal.actor)}
