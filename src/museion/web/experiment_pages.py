"""Controlled rollouts in the browser: the list with a form to start a rollout of an approved candidate (and to replay
one offline), and one rollout's page with the primary metric's and every guardrail's live curve of candidate − control
with its always-valid interval, the verdicts, the sample-size plan, the records, and the buttons (stop, measure,
simulate, ship or keep) for those who may deploy; and a member's switch to opt out of experiments."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

import plotly.graph_objects as go
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from museion.errors import MuseionError
from museion.experiments import monitor, rollouts
from museion.experiments.design import Plan
from museion.http.authz import requires
from museion.http.experiment_access import check_may_decide
from museion.http.deps import EngineDep, HomeDep, TxDep
from museion.http.i18n import N_, error_text, gettext_for
from museion.jobs_kinds import QueueDep
from museion.privacy import experiment_choice, gate
from museion.registry import lifecycle
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.charts import COLOURS, LAYOUT
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, requires(Perm.MODELS_READ)]
Operator = Annotated[Principal, requires(Perm.EXPERIMENTS_RUN)]  # the review board and administrators
RolloutId = Annotated[int, Path(ge=1, le=2**62)]
METRIC_LABELS = {"ctr": N_("click-through at k"), "conversion": N_("conversion at k"), "novelty": N_("novelty (bits)"),
                 "coverage": N_("catalogue coverage"), "exposure_gap": N_("exposure gap (head − tail)"),
                 "group_ctr": N_("click-through of a member group"), "error_rate": N_("error rate"),
                 "latency_ms": N_("latency (ms)")}
STATUS_LABELS = {"no_data": N_("no data yet"), "ok": N_("within tolerance"), "breach": N_("breached"),
                 "better": N_("candidate better"), "worse": N_("candidate worse"), "inconclusive": N_("not decided yet")}
STATE_LABELS = {"running": N_("running"), "stopped": N_("stopped"), "decided": N_("decided")}
ACTION_LABELS = {"started": N_("started"), "split": N_("split changed"), "stopped": N_("stopped"),
                 "guardrail_breach": N_("stopped by a guardrail breach"), "decided": N_("decided")}
GROUP_LABELS = {"low": N_("low activity"), "medium": N_("medium activity"), "high": N_("high activity")}
LABELS = {"metrics": METRIC_LABELS, "statuses": STATUS_LABELS, "states": STATE_LABELS, "actions": ACTION_LABELS,
          "groups": GROUP_LABELS}


def _list_page(request: Request, conn: Connection, principal: Principal, version: int | None = None,
               error: str | None = None, status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "experiments.html", {
        "rollouts": rollouts.listing(conn, version), "version": version, "error": error,
        "candidates": lifecycle.versions(conn, "approved"), "deployed": lifecycle.deployed_version_id(conn),
        "trained": lifecycle.versions(conn, limit=20), "may_run": allowed(principal.role, Perm.EXPERIMENTS_RUN),
        "defaults": Plan(), **LABELS}, status_code=status_code)


@router.get("/experiments", response_class=HTMLResponse)
def experiments_page(request: Request, principal: Reader, conn: TxDep, version: int | None = None) -> HTMLResponse:
    return _list_page(request, conn, principal, version)


def curve_chart(verdict: dict[str, Any], _: Callable[[str], str]) -> str:
    """Candidate − control day by day with its always-valid interval (a band), the tolerance and zero."""
    days = [p["day"] for p in verdict["curve"]]
    name = _(METRIC_LABELS[verdict["metric"]]) + (f" · {_(GROUP_LABELS.get(verdict['grp'], verdict['grp']))}"
                                                   if verdict["grp"] else "")
    figure = go.Figure(layout={**LAYOUT, "title": {"text": name}, "legend": {"orientation": "h", "y": -0.3},
                               "yaxis": {"title": {"text": _("candidate − deployed")}}})
    figure.add_scatter(x=days + days[::-1], y=[p["high"] for p in verdict["curve"]] + [p["low"] for p in verdict["curve"]][::-1],
                       fill="toself", fillcolor="rgba(11,92,173,0.15)", line={"width": 0}, name=_("always-valid interval"),
                       hoverinfo="skip")
    figure.add_scatter(x=days, y=[p["difference"] for p in verdict["curve"]], mode="lines+markers", name=_("difference"),
                       line={"color": COLOURS[0]})
    if verdict["tolerance"] is not None:
        side = 1 if verdict["metric"] in ("exposure_gap", "error_rate", "latency_ms") else -1
        figure.add_scatter(x=days, y=[side * verdict["tolerance"]] * len(days), mode="lines", name=_("tolerance"),
                           line={"color": COLOURS[1], "dash": "dash"})
    return figure.to_json().replace("</", "<\\/")


@router.get("/experiments/{rollout_id}", response_class=HTMLResponse)
def rollout_page(request: Request, rollout_id: RolloutId, principal: Reader, conn: TxDep) -> HTMLResponse:
    return _rollout_page(request, rollout_id, principal, conn)


def _rollout_page(request: Request, rollout_id: int, principal: Principal, conn: Connection, error: str | None = None,
                  status_code: int = 200) -> HTMLResponse:
    found = monitor.assess(conn, rollout_id)
    _ = gettext_for(request)
    shown = [v for v in [found["primary"], *found["guardrails"]] if v["curve"]]
    records = next((r["records"] for r in rollouts.listing(conn, found["rollout"]["candidate_version_id"])
                    if r["id"] == rollout_id), [])
    return templates.TemplateResponse(request, "experiment.html", {
        "found": found, "r": found["rollout"], "records": records, "figures": [curve_chart(v, _) for v in shown],
        "may_run": allowed(principal.role, Perm.EXPERIMENTS_RUN), "may_ship": allowed(principal.role, Perm.MODELS_DEPLOY),
        "error": error, **LABELS}, status_code=status_code)


def _step(request: Request, principal: Principal, engine: Any, step: Callable[[Connection], str],
          rollout_id: int | None) -> Response:
    """Run ``step`` in its own transaction and go where it says; a refusal shows the page again, saying why."""
    try:
        with engine.begin() as conn:
            target = step(conn)
    except MuseionError as exc:
        with engine.begin() as conn:
            if rollout_id is None:
                return _list_page(request, conn, principal, error=error_text(request, exc), status_code=409)
            return _rollout_page(request, rollout_id, principal, conn, error=error_text(request, exc), status_code=409)
    return RedirectResponse(target, status_code=303)


@router.post("/experiments", response_class=RedirectResponse)
def start(request: Request, principal: Operator, engine: EngineDep, home: HomeDep,
          version_id: Annotated[int, Form(ge=1)], mode: Annotated[Literal["canary", "ab"], Form()],
          share: Annotated[float, Form(gt=0, lt=1)], primary: Annotated[Literal["ctr", "conversion"], Form()] = "ctr",
          exposure_gap: Annotated[float, Form(gt=0, le=1)] = 0.05, group_ctr: Annotated[float, Form(gt=0, le=1)] = 0.03,
          error_rate: Annotated[float, Form(gt=0, le=1)] = 0.01, latency_ms: Annotated[float, Form(gt=0, le=10000)] = 50.0,
          reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    plan = Plan(primary=primary, guardrails={"exposure_gap": exposure_gap, "group_ctr": group_ctr, "error_rate": error_rate,
                                             "latency_ms": latency_ms})
    return _step(request, principal, engine, lambda conn: "/experiments/%d" % rollouts.start(
        conn, home, version_id, actor=principal.actor, mode=mode, share=share, plan=plan, reason=reason), None)


@router.post("/experiments/{rollout_id}/stop", response_class=RedirectResponse)
def stop(request: Request, rollout_id: RolloutId, principal: Operator, engine: EngineDep,
         reason: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
    def step(conn: Connection) -> str:
        rollouts.stop(conn, rollout_id, actor=principal.actor, reason=reason)
        return f"/experiments/{rollout_id}"
    return _step(request, principal, engine, step, rollout_id)


@router.post("/experiments/{rollout_id}/decision", response_class=RedirectResponse)
def decide(request: Request, rollout_id: RolloutId, principal: Operator, engine: EngineDep, home: HomeDep,
           decision: Annotated[Literal["ship", "keep"], Form()],
           reason: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
    check_may_decide(principal, decision)

    def step(conn: Connection) -> str:
        evidence = json.loads(json.dumps(monitor.assess(conn, rollout_id), default=str))
        rollouts.decide(conn, home, rollout_id, decision, actor=principal.actor, reason=reason, evidence=evidence)
        return f"/experiments/{rollout_id}"
    return _step(request, principal, engine, step, rollout_id)


@router.post("/experiments/{rollout_id}/jobs", response_class=RedirectResponse)
def start_job(rollout_id: RolloutId, principal: Operator, queue: QueueDep,
              kind: Annotated[Literal["experiment_metrics", "experiment_simulation"], Form()],
              members: Annotated[int, Form(ge=10, le=5000)] = 300, days: Annotated[int, Form(ge=1, le=60)] = 7) -> Response:
    params: dict[str, Any] = {"rollout_id": rollout_id}
    if kind == "experiment_simulation":
        params |= {"members": members, "days": days}
    return RedirectResponse(f"/jobs/{queue.submit(kind, params, principal.actor)}", status_code=303)


@router.post("/experiments/replays", response_class=RedirectResponse)
def replay(principal: Operator, queue: QueueDep, version_id: Annotated[int, Form(ge=1)],
           days: Annotated[int, Form(ge=1, le=365)] = 30) -> Response:
    job = queue.submit("experiment_replay", {"version_id": version_id, "days": days}, principal.actor)
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.post("/members/{member}/experiments", response_class=RedirectResponse)
def opt_out(member: Annotated[str, Path(max_length=255)], out: Annotated[bool, Form()],
            principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")], conn: TxDep) -> Response:
    """A member (or staff acting on their request) opts out of experiments, or back in."""
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    experiment_choice.set_opt_out(conn, member_id, out, actor=principal.actor)
    return RedirectResponse(f"/members/{member}/privacy?done=experiments-{'out' if out else 'in'}", status_code=303)
