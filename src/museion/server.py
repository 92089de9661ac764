"""The Museion web application: the API under /api, the server-rendered pages at /, health at /healthz."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from museion import __version__, jobs_kinds
from museion.api import (
    routes_accounts,
    routes_assessments,
    routes_audit,
    routes_auth,
    routes_catalog,
    routes_experiments,
    routes_fairness,
    routes_heritage_edm,
    routes_heritage_creators,
    routes_insight_plans,
    routes_feedback,
    routes_insight,
    routes_jobs,
    routes_licences,
    routes_member,
    routes_heritage_harvests,
    routes_oai,
    routes_privacy,
    routes_queue,
    routes_rights,
    routes_risk,
    routes_scale,
    routes_recommend,
    routes_registry,
    routes_releases,
    routes_studio,
    routes_studio_plans,
    routes_submissions,
    routes_system,
)
from museion.config import get_settings
from museion.http import apidocs, deps, hardening, problems
from museion.http.authz import check_routes
from museion.web import site

API = (routes_system, routes_catalog, routes_recommend, routes_registry, routes_assessments, routes_fairness, routes_privacy,
       routes_releases, routes_member, routes_auth, routes_accounts, routes_audit, routes_jobs, routes_feedback,
       routes_queue, routes_studio, routes_studio_plans, routes_heritage_edm, routes_rights, routes_submissions, routes_licences, routes_risk, routes_insight,
       routes_insight_plans, routes_experiments, routes_heritage_creators, routes_oai, routes_heritage_harvests, routes_scale)
TAGS = [{"name": "catalogue", "description": "Works, creators and statistics."},
        {"name": "recommendations", "description": "Personalised lists with a reason for every item."},
        {"name": "privacy", "description": "Consents to declared purposes."},
        {"name": "requests", "description": "Data-subject requests and the member's own copy of their data."},
        {"name": "releases", "description": "De-identified releases: DP aggregates under a budget, k-anonymity."},
        {"name": "member controls", "description": "Personalisation on/off and derived interest tags."},
        {"name": "member feedback", "description": "Members flag recommended items and comment on the disclosure; "
                                                   "the review board reads it at the version's next review."},
        {"name": "collaboration", "description": "One queue for everything an AI proposes: the task-division policy "
                                                 "routes each kind to a role; reviewers claim, decide and agree."},
        {"name": "studio", "description": "AI-made subject suggestions for works, proposed into the review queue; "
                                          "the suggester learns from the decisions."},
        {"name": "rights", "description": "Licences and rights holders (CSV, ODRL), conflicts, gaps, expiring licences, usage "
                                          "statements; near-duplicate catalogue records and the links curators decided."},
        {"name": "insight", "description": "Demand series, backtested forecasts, emerging trends and catalogue gaps."},
        {"name": "risk", "description": "Risk alerts (fake-profile attacks…) with evidence, states and thresholds."},
        {"name": "experiments", "description": "Online evaluation and controlled rollouts of a reviewed candidate beside "
                                               "the deployed version, with always-valid statistics and guardrails."},
        {"name": "fairness", "description": "Fairness audits of model versions, as JSON and HTML reports."},
        {"name": "registry", "description": "Model cards, the review board gate, deployment, and the "
                                            "public disclosure (How our recommendations work)."},
        {"name": "security", "description": "Sign-in, tokens, accounts and the audit log."},
        {"name": "jobs", "description": "Long work (audits, curves, DP releases, training) as jobs: progress, result, cancel."},
        {"name": "heritage", "description": "Heritage standards: creators' linked-data identifiers and the same creator "
                                            "across sources, matched for curators to decide."},
        {"name": "interoperability", "description": "OAI-PMH 2.0 provider at /oai, and harvests of other repositories."},
        {"name": "system", "description": "Health."}]


def create_app(engine: Engine | None = None, home: Path | None = None) -> FastAPI:
    """Build the app on ``engine`` (default: the configured database, which must be initialised);
    ``home`` is where model artifacts live (default: MUSEION_HOME)."""
    if engine is None:
        from museion.store.session import ready_engine

        engine = ready_engine(get_settings().resolved_database_url)
    app = FastAPI(title="Museion", version=__version__, openapi_tags=TAGS, docs_url=None, redoc_url=None,  # apidocs: offline
                  description="Catalogue and audience data for cultural organisations, with responsible AI on top.")
    deps.install(app, engine, home or get_settings().home)
    jobs_kinds.install(app, engine, home or get_settings().home)
    problems.install(app)
    hardening.install(app)
    for module in API:
        app.include_router(module.router)
    apidocs.install(app)
    site.install(app)
    check_routes(app)
    return app
