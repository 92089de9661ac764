"""Jobs on both queues (the SQLite queue file always, Redis when MUSEION_TEST_REDIS_URL is set) and both stores,
with the small job kinds of ``jobs_support`` registered."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobs_support import GATES  # importing it registers the test job kinds
from sqlalchemy import Engine

from helpers import import_views
from museion.config import get_settings
from museion.jobs import JobQueue
from museion.jobs_kinds import open_queue
from museion.privacy import releases
from museion.server import create_app


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """None: the default SQLite queue file in MUSEION_HOME; else a Redis URL, on a queue name of this test's own."""
    if request.param == "sqlite-queue":
        return None
    url = os.environ.get("MUSEION_TEST_REDIS_URL")
    if not url:
        pytest.skip("set MUSEION_TEST_REDIS_URL to run the Redis queue tests")
    monkeypatch.setenv("MUSEION_JOBS_URL", url)
    monkeypatch.setenv("MUSEION_JOBS_QUEUE", f"museion-test-{uuid.uuid4().hex[:12]}")
    get_settings.cache_clear()
    return url


@pytest.fixture
def queue(engine: Engine, tmp_path: Path, queue_url: str | None) -> Iterator[JobQueue]:
    jobs = open_queue(engine, tmp_path / "home")
    yield jobs
    jobs.huey.flush()


@pytest.fixture
def gate() -> Iterator[str]:
    name = uuid.uuid4().hex
    GATES[name] = threading.Event()
    yield name
    GATES.pop(name).set()


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    """Eight films in two genres viewed by 30 members of source t, with a DP budget of 1.0."""
    import_views(engine, tmp_path, genres=("Comedy", "Drama"), works=8, members=30, skip_every=3)
    with engine.begin() as conn:
        releases.set_budget(conn, "t", 1.0)
    return engine


@pytest.fixture
def client(store: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """The real app over ``store``; entering the client runs its lifespan, hence its in-process job consumer."""
    with TestClient(create_app(store, tmp_path / "home"), follow_redirects=False) as c:
        yield c
