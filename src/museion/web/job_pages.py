"""Jobs in the browser: the list of one's jobs (everyone's for admins), one job's status with a progress bar,
its result link or error, and a cancel button (a POST form carrying the session's CSRF token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.errors import Conflict, NotFound
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.http.i18n import N_
from museion.jobs import records
from museion.jobs.models import FINISHED
from museion.jobs_kinds import KINDS, sees_all, visible_job
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
JobId = Annotated[int, Path(ge=1, le=2**62)]
Caller = Annotated[Principal, requires(Perm.STATS_READ)]  # staff: members start no jobs
KIND_LABELS = {"fairness_audit": N_("Fairness audit"), "rerank_curve": N_("Re-ranker trade-off curve"),
               "dp_histogram": N_("DP activity histogram"), "training": N_("Training a model version"),
               "duplicate_scan": N_("Scan for near-duplicate records"), "creator_match": N_("Matching creators across sources"), "rights_index": N_("Indexing texts or pictures for near-copy search"), "rights_match": N_("Checking a submission for near-copies"), "subject_training": N_("Training the subject suggester"), "search_index": N_("Building the catalogue search index"),
               "shilling_scan": N_("Fake-profile scan or attack drill"), "outlook_evaluation": N_("New-work outlook evaluation"),
               "insight_forecast": N_("Demand forecasts with backtests"),
               "batch_scoring": N_("Batch scoring of every member"),
               "edm_export": N_("Exporting the catalogue as EDM"), "edm_check": N_("Checking the catalogue against EDM and Europeana's tiers"),
               "insight_plan": N_("Promotion or budget plan"), "insight_segments": N_("Audience segments"),
               "experiment_metrics": N_("Rollout metrics from served traffic"),
               "experiment_simulation": N_("Simulated traffic on a rollout"),
               "experiment_replay": N_("Offline replay of a candidate"), "oai_harvest": N_("Harvesting records from another repository (OAI-PMH)")}
"""Each job kind as the jobs pages name it (tests/jobs/test_jobs_web.py checks that every kind has one)."""
STATUS_LABELS = (N_("queued"), N_("running"), N_("succeeded"), N_("failed"), N_("cancelled"))
REFRESH_SECONDS = 2


def _view(job: dict[str, Any]) -> dict[str, Any]:
    kind = KINDS.get(job["kind"])
    return {**job, "label": KIND_LABELS.get(job["kind"], job["kind"]), "links": kind.links(job) if kind else {},
            "finished": job["status"] in FINISHED}


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, principal: Caller, engine: EngineDep,
              all_jobs: Annotated[bool, Query(alias="all")] = False) -> HTMLResponse:
    """The caller's jobs, newest first; with ``?all=1`` everyone's, for those who may see them."""
    everyone = all_jobs and sees_all(principal)
    jobs = records.listing(engine, actor=None if everyone else principal.actor, limit=100)
    return templates.TemplateResponse(request, "jobs.html", {"jobs": [_view(j) for j in jobs], "everyone": everyone,
                                                             "may_see_all": sees_all(principal)})


def _job_page(request: Request, job: dict[str, Any], message: str | None = None, status_code: int = 200) -> HTMLResponse:
    view = _view(job)
    return templates.TemplateResponse(request, "jobs_detail.html", {"job": view, "message": message,
                                                                    "refresh": None if view["finished"] else REFRESH_SECONDS},
                                      status_code=status_code)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: JobId, principal: Caller, engine: EngineDep) -> Response:
    """One job: status, a progress bar and what it is doing (the page refreshes itself until the job ends)."""
    try:
        job = visible_job(engine, principal, job_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    return _job_page(request, job)


@router.post("/jobs/{job_id}/cancel", response_class=RedirectResponse)
def cancel(request: Request, job_id: JobId, principal: Caller, engine: EngineDep) -> Response:
    """Cancel: a queued job at once, a running one at its next progress report."""
    try:
        visible_job(engine, principal, job_id)
        records.request_cancel(engine, job_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    except Conflict:
        return _job_page(request, records.get(engine, job_id), N_("This job has already finished."), 409)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
