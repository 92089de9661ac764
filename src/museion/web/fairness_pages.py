"""Fairness in the browser: each model version's audits with their charts, running a new audit, and
accuracy-versus-fairness trade-off curves for a re-ranker (all through museion.fairness; audits and curves run
as jobs, whose pages link back here)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from museion.errors import MuseionError, NotFound
from museion.fairness import report, service
from museion.fairness.curve import check_grid
from museion.fairness.rerank import PARAMS as RERANKERS
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.http.i18n import gettext_for
from museion.jobs_kinds import QueueDep, visible_job
from museion.recommend.models import MODELS
from museion.registry import lifecycle
from museion.scale.engine import ScaleError, check_engine
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
VersionId = Annotated[int, Path(ge=1, le=2**62)]
CURVE_STRENGTHS = "0,0.25,0.5,0.75,1"


def _figures(figures: list) -> list[str]:  # type: ignore[type-arg]
    return [figure.to_json().replace("</", "<\\/") for figure in figures]


def _overview(request: Request, principal: Principal, engine: Engine, *, curve: dict | None = None,  # type: ignore[type-arg]
              message: str | None = None, status_code: int = 200) -> HTMLResponse:
    with engine.connect() as conn:
        versions = lifecycle.versions(conn, limit=50)
    audits = {v["id"]: service.list_audits(engine, v["id"], limit=5) for v in versions}
    return templates.TemplateResponse(request, "fairness.html", {
        "versions": versions, "audits": audits, "may_run": allowed(principal.role, Perm.FAIRNESS_AUDIT),
        "models": sorted(MODELS), "rerankers": list(RERANKERS), "strengths": CURVE_STRENGTHS, "curve": curve,
        "curve_figures": _figures(report.curve_figures(curve, gettext_for(request))) if curve else [], "message": message}, status_code=status_code)


@router.get("/fairness", response_class=HTMLResponse)
def overview(request: Request, principal: Annotated[Principal, requires(Perm.MODELS_READ)], engine: EngineDep,
             curve_job: Annotated[int | None, Query(ge=1, le=2**62, description="Show this finished curve job's curve.")] = None
             ) -> HTMLResponse:
    """Every version with its latest audits, the forms to run an audit or a trade-off curve, and a curve computed by a job."""
    curve = None
    if curve_job is not None:
        try:
            job = visible_job(engine, principal, curve_job)
        except NotFound as exc:
            return _overview(request, principal, engine, message=str(exc), status_code=404)
        if job["kind"] != "rerank_curve" or job["status"] != "succeeded":
            return _overview(request, principal, engine, message=f"job {curve_job} holds no finished curve", status_code=404)
        curve = job["result"]
    return _overview(request, principal, engine, curve=curve)


@router.get("/fairness/{version_id}", response_class=HTMLResponse, dependencies=[requires(Perm.MODELS_READ)])
def version_audit(request: Request, version_id: VersionId, engine: EngineDep,
                  audit: Annotated[int | None, Query(ge=1, le=2**62, description="Which audit (default: the latest).")] = None) -> Response:
    """One audit in full: summary, provider exposure against catalogue and merit, member groups with CIs."""
    try:
        listed = service.list_audits(engine, version_id, limit=50)
        chosen = audit or (listed[0]["id"] if listed else None)
        record = service.get_audit(engine, version_id, chosen) if chosen else None
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    return templates.TemplateResponse(request, "fairness_audit.html", {
        "version_id": version_id, "audits": listed, "record": record,
        "figures": _figures(report.audit_figures(record, gettext_for(request))) if record else []})


@router.post("/fairness/{version_id}/audits", response_class=RedirectResponse)
def run_audit(request: Request, version_id: VersionId, principal: Annotated[Principal, requires(Perm.FAIRNESS_AUDIT)],
              engine: EngineDep, queue: QueueDep,
              scope: Annotated[Literal["evaluation", "served"], Form()] = "evaluation",
              compute: Annotated[Literal["local", "ray"], Form(alias="engine")] = "local") -> Response:
    """Start the audit as a job and show its progress page (the audit is linked from there when it is done)."""
    try:
        service.list_audits(engine, version_id, limit=1)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    try:
        check_engine(compute)
    except ScaleError as exc:
        return _overview(request, principal, engine, message=str(exc), status_code=400)
    job_id = queue.submit("fairness_audit", {"version_id": version_id, "scope": scope, "k": 10, "seed": 2024, "engine": compute},
                          principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/fairness/curve", response_class=HTMLResponse)
def curve(request: Request, principal: Annotated[Principal, requires(Perm.FAIRNESS_AUDIT)], engine: EngineDep, queue: QueueDep,
          model: Annotated[str, Form(max_length=32)], reranker: Annotated[str, Form(max_length=32)],
          strengths: Annotated[str, Form(max_length=200)] = CURVE_STRENGTHS,
          source: Annotated[str, Form(max_length=64)] = "") -> Response:
    """NDCG@10 against exposure gap, long-tail share and miscalibration over the re-ranker's strength, computed as a
    job: the form is checked at once, then the job's page follows the sweep and links the curve when it is done."""
    if model not in MODELS:
        return _overview(request, principal, engine, message=f"unknown model {model!r}; choose from {', '.join(sorted(MODELS))}",
                         status_code=422)
    try:
        grid = [float(s) for s in strengths.split(",") if s.strip()]
    except ValueError:
        return _overview(request, principal, engine, message=f"strengths must be numbers separated by commas, not {strengths!r}",
                         status_code=422)
    try:
        check_grid(reranker, grid)
    except MuseionError as exc:
        return _overview(request, principal, engine, message=str(exc), status_code=422)
    job_id = queue.submit("rerank_curve", {"model": model, "reranker": reranker, "strengths": grid, "source": source or None},
                          principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
