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
    """The serving model, loaded once per app (the latest model version at first use)."""
    state = request.app.state
    if state.recommender is None:
        state.recommender = RecommenderService(state.engine, state.home)
    return state.recommender
