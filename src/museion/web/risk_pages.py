"""Risk alerts in the browser for analysts and privacy officers: the list with filters by kind, state and severity, and
one alert with its evidence (a chart of suspicion scores or of the KPI series, the most suspicious profiles) and a form
to acknowledge, resolve, mark a false alarm or reopen it, saying why; and a form that runs the checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import plotly.graph_objects as go
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.http.i18n import N_, gettext_for
from museion.jobs_kinds import QueueDep
from museion.risk import alerts, drift_check, kpi, misuse_scan, quality, served_drift
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.charts import COLOURS, LAYOUT
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, requires(Perm.RISK_READ)]
Manager = Annotated[Principal, requires(Perm.RISK_MANAGE)]
AlertId = Annotated[int, Path(ge=1, le=2**62)]
KIND_LABELS = {"shilling": N_("Fake profiles"), "kpi": N_("KPI anomaly"), "misuse": N_("Misuse"), "drift": N_("Drift"),
               "quality": N_("Data quality"), "experiment": N_("Rollout guardrail"),
               "licence": N_("Licence expiring")}
STATE_LABELS = {"open": N_("open"), "acknowledged": N_("acknowledged"), "resolved": N_("resolved"),
                "false_alarm": N_("false alarm")}
SEVERITY_LABELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}
MOVE_LABELS = {"acknowledged": N_("Acknowledge"), "resolved": N_("Resolve"), "false_alarm": N_("Mark a false alarm"),
               "open": N_("Reopen")}
VARIABLE_LABELS = {"rating": N_("rating values"), "ratings_per_member": N_("ratings per member"),
                   "work_popularity": N_("popularity of the works rated")}
SCANS: dict[str, dict[str, Any]] = {
    "shilling": {"simulate": False}, "semi": {"simulate": False, "method": "semi"}, "drill": {"simulate": True},
    "drill_popular": {"simulate": True, "filler_from": "popular", "method": "semi"}}
"""Web check → the shilling_scan job's parameters."""
LABELS = {"kinds": KIND_LABELS, "states": STATE_LABELS, "severities": SEVERITY_LABELS, "moves": MOVE_LABELS,
          "variables": VARIABLE_LABELS}


@router.get("/risk/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, principal: Reader, conn: ConnDep,
                kind: Literal["shilling", "kpi", "misuse", "drift", "quality", "experiment", "licence", ""] = "",
                state: Literal["open", "acknowledged", "resolved", "false_alarm", ""] = "",
                severity: Literal["low", "medium", "high", ""] = "") -> HTMLResponse:
    found = alerts.list_alerts(conn, kind=kind or None, state=state or None, severity=severity or None)
    return templates.TemplateResponse(request, "risk_alerts.html", {
        "alerts": found, "counts": alerts.counts(conn), "chosen": {"kind": kind, "state": state, "severity": severity},
        "thresholds": alerts.thresholds(conn), "may_manage": allowed(principal.role, Perm.RISK_MANAGE), **LABELS})


@router.post("/risk/checks", response_class=RedirectResponse)
def run_check(principal: Manager, conn: TxDep, queue: QueueDep,
              check: Annotated[Literal["shilling", "semi", "drill", "drill_popular", "kpi", "misuse", "drift", "served",
                                       "quality"], Form()]) -> RedirectResponse:
    """The fake-profile scans and the attack drills run as jobs (their page links back here); the quick checks at once."""
    if check in SCANS:
        job_id = queue.submit("shilling_scan", SCANS[check], principal.actor)
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    if check == "kpi":
        kpi.scan_activity(conn, actor=principal.actor)
    elif check == "drift":
        drift_check.scan(conn, actor=principal.actor)
    elif check == "served":
        served_drift.scan(conn, actor=principal.actor)
    elif check == "quality":
        quality.scan(conn, actor=principal.actor)
    else:
        misuse_scan.scan(conn, actor=principal.actor)
    return RedirectResponse(f"/risk/alerts?kind={'drift' if check == 'served' else check}", status_code=303)


@router.get("/risk/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: AlertId, principal: Reader, conn: ConnDep) -> HTMLResponse:
    alert = alerts.get_alert(conn, alert_id)
    _ = gettext_for(request)
    chart = _scores_chart(alert["evidence"], _) or _series_chart(alert["evidence"], _)
    return templates.TemplateResponse(request, "risk_alert.html", {
        "alert": alert, "allowed": alerts.MOVES[alert["state"]] if allowed(principal.role, Perm.RISK_MANAGE) else [],
        "figures": [chart] if chart else [], **LABELS})


@router.post("/risk/alerts/{alert_id}", response_class=RedirectResponse)
def move(alert_id: AlertId, principal: Manager, conn: TxDep,
         state: Annotated[Literal["open", "acknowledged", "resolved", "false_alarm"], Form()],
         why: Annotated[str, Form(min_length=1, max_length=2000)]) -> RedirectResponse:
    alerts.transition(conn, alert_id, state, actor=principal.actor, why=why)
    return RedirectResponse(f"/risk/alerts/{alert_id}", status_code=303)


def _scores_chart(evidence: dict[str, Any], _: Any) -> str | None:
    """Suspicion scores of every profile and of the flagged ones, on the same bins (grouped bars)."""
    histogram = evidence.get("score_histogram")
    if not histogram:
        return None
    edges = histogram["edges"]
    x = [f"{a:.1f}–{b:.1f}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    figure = go.Figure(layout={**LAYOUT, "title": {"text": _("Suspicion scores of the profiles")}, "barmode": "overlay",
                               "legend": {"orientation": "h", "y": -0.3}, "yaxis": {"title": {"text": _("profiles")},
                                                                                    "type": "log"},
                               "xaxis": {"title": {"text": _("suspicion score")}}})
    figure.add_bar(x=x, y=histogram["everyone"], name=_("all profiles"), marker_color=COLOURS[0])
    figure.add_bar(x=x, y=histogram["flagged"], name=_("flagged profiles"), marker_color=COLOURS[1])
    return figure.to_json().replace("</", "<\\/")


def _series_chart(evidence: dict[str, Any], _: Any) -> str | None:
    """A KPI series with the anomalous run marked."""
    if "values" not in evidence or "months" not in evidence:
        return None
    months, anomaly = evidence["months"], evidence.get("anomaly", {})
    figure = go.Figure(layout={**LAYOUT, "title": {"text": _("The series and the anomaly")},
                               "legend": {"orientation": "h", "y": -0.3}, "yaxis": {"title": {"text": _("count")}}})
    figure.add_scatter(x=months, y=evidence["values"], name=_("observed"), mode="lines", line={"color": COLOURS[0]})
    inside = [m for m in months if anomaly.get("from", "") <= m <= anomaly.get("to", "")]
    figure.add_scatter(x=inside, y=[evidence["values"][months.index(m)] for m in inside], name=_("anomaly"),
                       mode="markers", marker={"color": COLOURS[1], "size": 10})
    return figure.to_json().replace("</", "<\\/")
