"""The Museion web application: API under /api, server-rendered pages at /, health at /healthz."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from museion import __version__
from museion.api import hardening, problems
from museion.api.authz import check_routes, public
from museion.api.routes_catalog import router as catalog_router
from museion.api.routes_fairness import router as fairness_router
from museion.api.routes_member import router as member_router
from museion.api.routes_privacy import router as privacy_router
from museion.api.routes_recommend import router as recommend_router
from museion.api.routes_registry import router as registry_router
from museion.api.routes_security import pages as security_pages
from museion.api.routes_security import router as security_router
from museion.api.schemas import HealthOut
from museion.config import get_settings
from museion.store.migrate import current_revision
from museion.web.site import install as install_web


def create_app(engine: Engine | None = None, home: Path | None = None) -> FastAPI:
    """Build the app on ``engine`` (default: the configured database, which must be initialised);
    ``home`` is where model artifacts live (default: MUSEION_HOME)."""
    if engine is None:
        from museion.store.session import ready_engine

        engine = ready_engine(get_settings().resolved_database_url)
    app = FastAPI(
        title="Museion",
        version=__version__,
        description="Catalogue and audience data for cultural organisations, with responsible AI on top.",
        openapi_tags=[{"name": "catalogue", "description": "Works, creators and statistics."},
                      {"name": "recommendations", "description": "Personalised lists with a reason for every item."},
                      {"name": "privacy", "description": "Consents to declared purposes."},
                      {"name": "requests", "description": "Data-subject requests and the member's own copy of their data."},
                      {"name": "releases", "description": "De-identified releases: DP aggregates under a budget, k-anonymity."},
                      {"name": "member controls", "description": "Personalisation on/off and derived interest tags."},
                      {"name": "fairness", "description": "Fairness audits of model versions, as JSON and HTML reports."},
                      {"name": "registry", "description": "Model cards, the review board gate, deployment, and the "
                                                          "public disclosure (How our recommendations work)."},
                      {"name": "security", "description": "Sign-in, tokens, accounts and the audit log."},
                      {"name": "system", "description": "Health."}],
    )
    app.state.engine = engine
    app.state.home = home or get_settings().home
    app.state.recommender = None  # loaded on first use
    app.state.recommender_lock = threading.Lock()
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    problems.install(app)
    hardening.install(app)

    @app.get("/healthz", response_model=HealthOut, tags=["system"], summary="Liveness and database check",
             dependencies=[public()])
    def healthz() -> HealthOut:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return HealthOut(status="ok", database=engine.dialect.name, schema_revision=current_revision(engine),
                         version=__version__, checked_at=datetime.now(UTC))

    app.include_router(catalog_router)
    app.include_router(recommend_router)
    app.include_router(registry_router)
    app.include_router(fairness_router)
    app.include_router(privacy_router)
    app.include_router(member_router)
    app.include_router(security_router)
    app.include_router(security_pages)
    install_web(app)
    check_routes(app)
    return app
