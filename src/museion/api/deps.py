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
    current = state.recommender
    if current is not None and deployed is not None and current.version.id == deployed:
        return current
    with state.recommender_lock:  # one thread loads; the others wait for it instead of loading the model too
        current = state.recommender
        if current is None or deployed is None or current.version.id != deployed:
            current = RecommenderService(state.engine, state.home)  # raises NoModel when nothing is deployed
            state.recommender = current
    return current
