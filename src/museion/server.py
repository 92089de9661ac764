"""The Museion web application: the API under /api, the server-rendered pages at /, health at /healthz."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from museion import __version__
from museion.api import (
    routes_accounts,
    routes_assessments,
    routes_audit,
    routes_auth,
    routes_catalog,
    routes_fairness,
    routes_member,
    routes_privacy,
    routes_recommend,
    routes_registry,
    routes_releases,
    routes_system,
)
from museion.config import get_settings
from museion.http import deps, hardening, problems
from museion.http.authz import check_routes
from museion.web import site

API = (routes_system, routes_catalog, routes_recommend, routes_registry, routes_assessments, routes_fairness, routes_privacy,
       routes_releases, routes_member, routes_auth, routes_accounts, routes_audit)
TAGS = [{"name": "catalogue", "description": "Works, creators and statistics."},
        {"name": "recommendations", "description": "Personalised lists with a reason for every item."},
        {"name": "privacy", "description": "Consents to declared purposes."},
        {"name": "requests", "description": "Data-subject requests and the member's own copy of their data."},
        {"name": "releases", "description": "De-identified releases: DP aggregates under a budget, k-anonymity."},
        {"name": "member controls", "description": "Personalisation on/off and derived interest tags."},
        {"name": "fairness", "description": "Fairness audits of model versions, as JSON and HTML reports."},
        {"name": "registry", "description": "Model cards, the review board gate, deployment, and the "
                                            "public disclosure (How our recommendations work)."},
        {"name": "security", "description": "Sign-in, tokens, accounts and the audit log."},
        {"name": "system", "description": "Health."}]


def create_app(engine: Engine | None = None, home: Path | None = None) -> FastAPI:
    """Build the app on ``engine`` (default: the configured database, which must be initialised);
    ``home`` is where model artifacts live (default: MUSEION_HOME)."""
    if engine is None:
        from museion.store.session import ready_engine

        engine = ready_engine(get_settings().resolved_database_url)
    app = FastAPI(title="Museion", version=__version__, openapi_tags=TAGS,
                  description="Catalogue and audience data for cultural organisations, with responsible AI on top.")
    deps.install(app, engine, home or get_settings().home)
    problems.install(app)
    hardening.install(app)
    for module in API:
        app.include_router(module.router)
    site.install(app)
    check_routes(app)
    return app
