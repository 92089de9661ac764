"""The queue of job ids on huey: SqliteHuey in a file under MUSEION_HOME by default (nothing to install or run),
RedisHuey or PostgresHuey when ``MUSEION_JOBS_URL`` names a broker, and the consumer threads that run them.

The queue carries only a job's id; the job's record (``museion.jobs.records``) is in the store, so any
worker that reaches the same store can run it."""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey
from huey.consumer import Worker
from sqlalchemy import Engine

from museion.errors import Conflict, MuseionError
from museion.jobs import records
from museion.jobs.runner import run_job
from museion.store.files import touch_private

log = logging.getLogger("museion.jobs")
QUEUE_FILE = "jobs-queue.db"
TASK = "museion.run_job"


class QueueUnavailable(MuseionError):
    """The job queue (Redis, PostgreSQL or the queue file) could not be reached; the job was not started."""


def open_huey(url: str | None, home: Path, name: str = "museion") -> Huey:
    """The huey instance for ``url``: None or ``sqlite:///FILE`` (default FILE: HOME/jobs-queue.db), ``redis://…``,
    ``postgresql://…``. Results are not kept by huey: the job record holds them."""
    if url is None or url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///")) if url else home / QUEUE_FILE
        touch_private(path)  # private from the start (0700 folders, 0600 file); SQLite gives its WAL the same mode
        return SqliteHuey(name, filename=str(path), results=False, strict_fifo=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return PostgresHuey(name, dsn=url.replace("postgresql+psycopg://", "postgresql://"), results=False)
    raise MuseionError(f"MUSEION_JOBS_URL {url!r} is not a queue: use sqlite:///FILE, redis://HOST:PORT/DB or postgresql://…")


class JobQueue:
    """Jobs of one store: ``submit`` records and enqueues one; ``Consumer`` threads run them."""

    def __init__(self, huey: Huey, engine: Engine, home: Path) -> None:
        self.huey, self.engine, self.home = huey, engine, home
        self.running: set[int] = set()  # jobs this process is running now
        self._task = huey.task(name=TASK)(self._run)

    def _run(self, job_id: int) -> None:
        self.running.add(job_id)
        try:
            run_job(self.engine, self.home, job_id)
        finally:
            self.running.discard(job_id)

    def submit(self, kind: str, params: dict[str, Any], actor: str) -> int:
        """Record a queued job and put its id on the queue; returns the id at once."""
        job_id = records.create(self.engine, kind, params, actor)
        try:
            self._task(job_id)
        except Exception as exc:
            log.exception("could not enqueue job %s", job_id)
            records.finish(self.engine, job_id, "failed", from_status="queued", message="not started",
                           error=f"the job queue could not be reached ({type(exc).__name__})")
            raise QueueUnavailable(f"the job queue could not be reached ({type(exc).__name__}); "
                                   "nothing was started: try again, or check MUSEION_JOBS_URL") from None
        return job_id

    def pending(self) -> int:
        return int(self.huey.pending_count())


class Consumer:
    """Threads that take job ids off the queue and run them: in the server process (``museion serve``) or a
    standalone worker (``museion jobs worker``). Polls the SQLite queue with back-off (0.1 s to 1 s)."""

    def __init__(self, queue: JobQueue, workers: int = 1) -> None:
        self.queue = queue
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self._loop, name=f"museion-jobs-{i}", daemon=True) for i in range(workers)]

    def _loop(self) -> None:
        worker = Worker(self.queue.huey, self.stop_flag, default_delay=0.1, max_delay=1.0, backoff=1.15)
        while not self.stop_flag.is_set():
            worker.loop()

    def start(self) -> Consumer:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; ask the running ones to stop at their next report, and wait up to ``timeout`` seconds."""
        self.stop_flag.set()
        for job_id in list(self.queue.running):
            with contextlib.suppress(Conflict):  # it finished meanwhile
                records.request_cancel(self.queue.engine, job_id)
        for thread in self.threads:
            thread.join(timeout / len(self.threads))
