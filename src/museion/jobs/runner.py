"""Running one job: the registry of job kinds, the context a kind reports progress through, and the outcome.

The kinds themselves (audits, curves, releases, training) are registered from above the capabilities they run
(``museion.jobs_kinds``); this module only knows names and callables, so the queue stays at the bottom."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from museion.encoding import json_ready
from museion.errors import MuseionError
from museion.jobs import records

log = logging.getLogger("museion.jobs")


class Cancelled(Exception):  # noqa: N818 (a state reached, not an error)
    """Cancellation was requested: raised by ``JobContext.report`` so the kind's work unwinds and its
    transactions roll back."""


@dataclass(frozen=True)
class JobContext:
    """What a running kind gets: the store, the home of artifacts, its parameters and who asked."""

    engine: Engine
    home: Path
    job_id: int
    params: dict[str, Any]
    actor: str

    def report(self, progress: float, message: str) -> None:
        """Record how far the job is (0..1) and what it is doing; raise ``Cancelled`` if someone cancelled it."""
        if records.report(self.engine, self.job_id, progress, message):
            raise Cancelled(f"job {self.job_id} was cancelled")


Run = Callable[[JobContext], dict[str, Any]]
_KINDS: dict[str, Run] = {}


def register(kind: str, run: Run) -> None:
    """Make ``kind`` runnable by every worker of this process (the kinds module calls this at import)."""
    _KINDS[kind] = run


def registered() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))


def run_job(engine: Engine, home: Path, job_id: int) -> str:
    """Claim a queued job, run its kind and record the outcome; returns the final status ("skipped" when the
    job was cancelled before it started or is unknown to this store)."""
    if not records.claim(engine, job_id):
        return "skipped"
    job = records.get(engine, job_id)
    run = _KINDS.get(job["kind"])
    try:
        if run is None:
            raise MuseionError(f"this worker does not know the job kind {job['kind']!r}: is it running another version of Museion?")
        result = run(JobContext(engine, home, job_id, job["params"], job["actor"]))
    except Cancelled:
        records.finish(engine, job_id, "cancelled", message="cancelled while running; nothing was kept")
        return "cancelled"
    except MuseionError as exc:
        records.finish(engine, job_id, "failed", error=str(exc), message="failed")
        return "failed"
    except Exception as exc:  # the message is for the person; the traceback goes to the operator's log
        log.exception("job %s (%s) failed", job_id, job["kind"])
        records.finish(engine, job_id, "failed", message="failed",
                       error=f"the job stopped on an internal error ({type(exc).__name__}); the server log has the details")
        return "failed"
    records.finish(engine, job_id, "succeeded", result=json_ready(result), message="done")
    return "succeeded"
