"""FastAPI dependencies: one database session per request; the serving recommender per app."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from museion.recommend.service import RecommenderService


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session


def get_recommender(request: Request) -> RecommenderService:
    """The serving model: the deployed version, loaded once and reloaded when another one is deployed
    (one indexed lookup per request, so a retirement or re-deployment takes effect on the next request)."""
    from museion.registry.lifecycle import deployed_version_id

    state = request.app.state
    with state.engine.connect() as conn:
        deployed = deployed_version_id(conn)
    if state.recommender is None or deployed is None or state.recommender.version.id != deployed:
        state.recommender = None
        state.recommender = RecommenderService(state.engine, state.home)
    return state.recommender
