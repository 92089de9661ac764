"""Everything the web app adds to the FastAPI app: its page routers, the language middleware and static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from museion.http.i18n import LanguageMiddleware
from museion.web import (
    about_pages,
    assessment_pages,
    assets,
    creator_pages,
    dashboard,
    exhibition_pages,
    heritage_pages,
    experiment_pages,
    fairness_pages,
    harvest_pages,
    insight_pages,
    job_pages,
    feedback_pages,
    login_pages,
    member_pages,
    model_pages,
    pages,
    planner_pages,
    public_pages,
    queue_pages,
    review_pages,
    rights_pages,
    risk_pages,
    licence_pages,
    staff_pages,
    studio_pages,
    studio_plan_pages,
    submission_pages,
)

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the pages (each declares its access) and pick every request's language."""
    for module in (about_pages, login_pages, pages, dashboard, staff_pages, fairness_pages, review_pages, queue_pages, model_pages, exhibition_pages, rights_pages, submission_pages, assessment_pages, member_pages, public_pages,
                   feedback_pages, heritage_pages, job_pages, studio_pages, studio_plan_pages, risk_pages, experiment_pages, licence_pages, planner_pages, insight_pages, creator_pages, harvest_pages, assets):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(LanguageMiddleware)
