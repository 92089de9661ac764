"""Jobs in a running app and from the command line: the queue of the configured broker, the consumer threads an
app runs while it is up, and who may see or cancel a job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from museion.config import get_settings
from museion.errors import NotFound
from museion.jobs import Consumer, JobQueue, open_huey, records
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed


def open_queue(engine: Engine, home: Path) -> JobQueue:
    """The configured queue (MUSEION_JOBS_URL, else the SQLite queue file in ``home``) for jobs on ``engine``."""
    settings = get_settings()
    return JobQueue(open_huey(settings.jobs_url, home, settings.jobs_queue), engine, home)


def install(app: FastAPI, engine: Engine, home: Path) -> None:
    """Give ``app`` its job queue; while the app runs, ``MUSEION_JOBS_WORKERS`` threads (default 1) of its own process
    run the jobs (an app built directly: tests, embedding; `museion serve` sets them to 0 and runs its worker as a child
    process instead). At shutdown running jobs are asked to stop at their next report."""
    app.state.jobs = queue = open_queue(engine, home)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        workers = get_settings().jobs_workers
        consumer = Consumer(queue, workers).start() if workers else None
        try:
            async with inner(running) as state:
                yield state
        finally:
            if consumer:
                await run_in_threadpool(consumer.stop)

    app.router.lifespan_context = lifespan


def get_queue(request: Request) -> JobQueue:
    return request.app.state.jobs


QueueDep = Annotated[JobQueue, Depends(get_queue)]


def sees_all(principal: Principal) -> bool:
    return allowed(principal.role, Perm.JOBS_ALL)


def visible_job(engine: Engine, principal: Principal, job_id: int) -> dict[str, Any]:
    """A job the caller started (they held its kind's permission to start it), or any job for those who see all;
    else not found (another person's job is not confirmed to exist)."""
    job = records.get(engine, job_id)
    if sees_all(principal) or job["actor"] == principal.actor:
        return job
    raise NotFound(f"no job {job_id}")
