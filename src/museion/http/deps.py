"""Request dependencies, each declared once as an ``Annotated`` alias: the app's engine, home and settings, the
request's one database session (``ConnDep`` reads through it, ``TxDep`` writes in it), and the served model.

Authentication reads through the same session (``museion.http.authz``), so a route that reads or writes too
reuses that connection: one pooled connection per request, never two held at once.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from museion.config import Settings, get_settings
from museion.fairness.serving import open_recommender
from museion.privacy import gate, served
from museion.recommend.serving import RecommenderService
from museion.registry.lifecycle import deployed_version_id
from museion.security.auth import Principal
from museion.security.permissions import SELF_ONLY


class ServedModel:
    """The deployed version's recommender, loaded once per app and again when another version is deployed.

    Routes call ``get`` in their body, after their parameters are validated; the recommender opens its own
    connections, so those routes take no ``ConnDep``."""

    def __init__(self, engine: Engine, home: Path) -> None:
        self.engine, self.home = engine, home
        self._current: RecommenderService | None = None
        self._lock = threading.Lock()

    def get(self) -> RecommenderService:
        """One indexed look-up per request, so a retirement or re-deployment takes effect on the next request."""
        with self.engine.connect() as conn:
            deployed = deployed_version_id(conn)
        current = self._current
        if current is not None and deployed is not None and current.version.id == deployed:
            return current
        with self._lock:  # one thread loads; the others wait for it instead of loading the model too
            current = self._current
            if current is None or deployed is None or current.version.id != deployed:
                current = open_recommender(self.engine, self.home)  # raises NoModel when nothing is deployed
                self._current = current
        return current

    def forget(self) -> None:
        """Drop the loaded model (its serving index changed on disk): the next request loads it again."""
        self._current = None


def install(app: FastAPI, engine: Engine, home: Path) -> None:
    """Give ``app`` what these dependencies hand out: the engine, the home of model artifacts, sessions, the served model;
    while it runs, served lists and staff reads are logged off the request path and flushed when it shuts down."""
    app.state.engine = engine
    app.state.home = home
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.served_model = ServedModel(engine, home)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        served.start_deferred(engine)
        try:
            async with inner(running) as state:
                yield state
        finally:
            await run_in_threadpool(served.stop_deferred, engine)

    app.router.lifespan_context = lifespan


def record_staff_read(engine: Engine, principal: Principal, member_id: int, what: str, purpose: str = gate.RIGHTS) -> None:
    """Record staff viewing one member's ``what`` (off the request path); a member viewing their own data is no staff read."""
    if principal.role not in SELF_ONLY:
        served.log_entry(engine, served.StaffRead(principal.actor, purpose, member_id, what))


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_home(request: Request) -> Path:
    return request.app.state.home


def get_session(request: Request) -> Iterator[Session]:
    """The request's session; it takes a connection at its first query and gives it back when the route returns."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
HomeDep = Annotated[Path, Depends(get_home)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_conn(session: SessionDep) -> Connection:
    """The request's connection, for routes that only read."""
    return session.connection()


def get_tx(session: SessionDep) -> Iterator[Connection]:
    """The request's connection in a transaction committed when the route returns, before the response is sent
    (rolled back when it raises)."""
    yield session.connection()
    session.commit()


def get_served_model(request: Request) -> ServedModel:
    return request.app.state.served_model


ConnDep = Annotated[Connection, Depends(get_conn)]
TxDep = Annotated[Connection, Depends(get_tx, scope="function")]
ServedModelDep = Annotated[ServedModel, Depends(get_served_model)]

