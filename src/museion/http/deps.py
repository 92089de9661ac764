"""Request dependencies, each declared once as an ``Annotated`` alias: the app's engine, home and settings, the
request's one database session (``ConnDep`` reads through it, ``TxDep`` writes in it), and the served model.

Authentication reads through the same session (``museion.http.authz``), so a route that reads or writes too
reuses that connection: one pooled connection per request, never two held at once.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from museion.config import Settings, get_settings
from museion.experiments.live import Flusher, LiveStats
from museion.fairness.serving import open_recommender
from museion.privacy import experiment_choice, gate, served
from museion.recommend.serving import RecommenderService, ServedList
from museion.registry import rollouts
from museion.registry.lifecycle import deployed_version_id
from museion.security.auth import Principal
from museion.security.permissions import SELF_ONLY


class ServedModel:
    """The deployed version's recommender, loaded once per app and again when another version is deployed; while a
    controlled rollout runs, the candidate's too, for the members its sticky hash assigns to it (``museion.experiments``).

    Routes call ``recommend`` (or ``get``) in their body, after their parameters are validated, passing the request's
    ``SessionDep`` so that authentication and the recommender read through one pooled connection."""

    def __init__(self, engine: Engine, home: Path) -> None:
        self.engine, self.home = engine, home
        self._loaded: dict[int, RecommenderService] = {}
        self._lock = threading.Lock()
        self.live = LiveStats()

    def get(self, member: str | None = None) -> RecommenderService:
        """Indexed look-ups on every request (the deployed version and, for a member's list, the running rollout; while
        one runs, the member's key and opt-out too), so a retirement, re-deployment, rollout start or stop takes effect
        on the next request."""
        with self.engine.connect() as conn:
            wanted, deployed, _taking_part = self._wanted(conn, member)
        return self._loaded.get(wanted) or self._load(wanted, deployed)  # type: ignore[arg-type]

    def recommend(self, member: str, *args: Any, session: Session | None = None, **kwargs: Any) -> ServedList:
        """The member's list from the version that serves them (``RecommenderService.recommend``); while a rollout runs
        and the member takes part in it, its latency or failure is counted for that version in memory
        (``museion.experiments.live``: flushed to the rollout's statistics off the request path).

        Every read goes through one connection: ``session``'s (the request's, which authentication already used), or
        one of its own. None is held while a model loads: threads waiting for the load each hold theirs, and the
        loader taking a second one could then wait for the pool for ever."""
        with self._reading(session) as conn:
            wanted, deployed, taking_part = self._wanted(conn, member)
            service = self._loaded.get(wanted) if wanted is not None else None
            if service is not None:
                with self.live.timed(taking_part, int(service.version.id)):
                    return service.recommend(member, *args, conn=conn, **kwargs)
        if session is not None:
            session.rollback()  # nothing was written: gives the connection back to the pool
        service = self._load(wanted, deployed)
        with self._reading(session) as conn, self.live.timed(taking_part, int(service.version.id)):
            return service.recommend(member, *args, conn=conn, **kwargs)

    @contextmanager
    def _reading(self, session: Session | None) -> Iterator[Connection]:
        if session is not None:
            yield session.connection()
        else:
            with self.engine.connect() as conn:
                yield conn

    def _wanted(self, conn: Connection, member: str | None) -> tuple[int | None, int | None, int | None]:
        """The version serving ``member``, the deployed one, and the running rollout they take part in (None: none, or
        they opted out)."""
        taking_part = None
        deployed = deployed_version_id(conn)
        wanted = deployed
        rollout = rollouts.running(conn) if member is not None and deployed is not None else None
        if rollout is not None and int(rollout.control_version_id) == deployed:
            found = experiment_choice.assignment_key(conn, member)  # type: ignore[arg-type]
            if found is not None:
                wanted = rollouts.version_for(rollout, found[0], opted_out=found[1]) or deployed
                taking_part = None if found[1] else int(rollout.id)
        return wanted, deployed, taking_part

    def _load(self, wanted: int | None, deployed: int | None) -> RecommenderService:
        """The loaded service of version ``wanted``, loading it first (raises NoModel when nothing is deployed)."""
        with self._lock:  # one thread loads; the others wait for it instead of loading the model too
            current = self._loaded.get(wanted) if wanted is not None else None
            if current is None:
                current = open_recommender(self.engine, self.home, None if wanted == deployed else wanted)
                keep = {deployed, wanted}
                self._loaded = {v: s for v, s in self._loaded.items() if v in keep} | {current.version.id: current}
        return current

    def forget(self) -> None:
        """Drop the loaded models (a serving index changed on disk): the next request loads them again."""
        self._loaded = {}


def install(app: FastAPI, engine: Engine, home: Path) -> None:
    """Give ``app`` what these dependencies hand out: the engine, the home of model artifacts, sessions, the served model;
    while it runs, served lists and staff reads are logged off the request path, and a running rollout's live latency and
    errors are flushed to its statistics periodically; both are flushed when it shuts down."""
    app.state.engine = engine
    app.state.home = home
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.served_model = ServedModel(engine, home)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        served.start_deferred(engine)
        flusher = Flusher(engine, app.state.served_model.live)
        try:
            async with inner(running) as state:
                yield state
        finally:
            await run_in_threadpool(flusher.close)
            await run_in_threadpool(served.stop_deferred, engine)

    app.router.lifespan_context = lifespan


def record_staff_read(engine: Engine, principal: Principal, member_id: int, what: str, purpose: str = gate.RIGHTS) -> None:
    """Record staff viewing one member's ``what`` (off the request path); a member viewing their own data is no staff read."""
    if principal.role not in SELF_ONLY:
        served.log_entry(engine, served.StaffRead(principal.actor, purpose, member_id, what))


# Dependencies that only read the app's state are coroutines: FastAPI runs a plain function in its thread pool.
async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_home(request: Request) -> Path:
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


async def get_served_model(request: Request) -> ServedModel:
    return request.app.state.served_model


ConnDep = Annotated[Connection, Depends(get_conn)]
TxDep = Annotated[Connection, Depends(get_tx, scope="function")]
ServedModelDep = Annotated[ServedModel, Depends(get_served_model)]

