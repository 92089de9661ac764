"""Job records in the store: create, read, list, request cancellation, and the worker's state changes.

Every state change is one short transaction guarded by the state it expects (``WHERE status = …``), so a
cancellation and a worker finishing the same job never both win."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from museion.errors import Conflict, NotFound
from museion.jobs.models import FINISHED, Job
from museion.store.base import utcnow

MESSAGE_LENGTH = 200
COLUMNS = tuple(Job.__table__.columns)


def create(engine: Engine, kind: str, params: dict[str, Any], actor: str) -> int:
    """Record a queued job and return its id (the caller enqueues it)."""
    with engine.begin() as conn:
        return int(conn.execute(Job.__table__.insert().values(kind=kind, params=params, actor=actor, status="queued",
                                                               progress=0.0, message="queued")).inserted_primary_key[0])


def get(engine: Engine, job_id: int) -> dict[str, Any]:
    """One job's record: every column of ``jobs`` by name."""
    with engine.connect() as conn:
        row = conn.execute(select(*COLUMNS).where(Job.id == job_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id}")
    return dict(row._mapping)


def listing(engine: Engine, *, actor: str | None = None, status: str | None = None, kind: str | None = None,
            limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Jobs newest first; ``actor`` narrows to one person's jobs."""
    query = select(*COLUMNS).order_by(Job.id.desc()).limit(limit).offset(offset)
    for column, value in ((Job.actor, actor), (Job.status, status), (Job.kind, kind)):
        if value is not None:
            query = query.where(column == value)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def request_cancel(engine: Engine, job_id: int) -> dict[str, Any]:
    """Cancel a queued job now; ask a running one to stop at its next progress report. A finished job is a conflict."""
    now = utcnow()
    with engine.begin() as conn:
        queued = conn.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="cancelled", cancel_requested=True, finished_at=now, message="cancelled before it started")).rowcount
        if not queued:
            conn.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(
                cancel_requested=True, message="cancelling: stops at the next progress report"))
    job = get(engine, job_id)
    if job["status"] in FINISHED - {"cancelled"}:  # cancelling a cancelled job again changes nothing
        raise Conflict(f"job {job_id} has already {job['status']}; there is nothing to cancel")
    return job


def claim(engine: Engine, job_id: int) -> bool:
    """Mark a queued job running (the worker's first step); False when it was cancelled or is unknown."""
    with engine.begin() as conn:
        return bool(conn.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="running", started_at=utcnow(), message="started")).rowcount)


def report(engine: Engine, job_id: int, progress: float, message: str) -> bool:
    """Record progress (clamped to 0..1); return whether cancellation was requested."""
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(
            progress=min(max(float(progress), 0.0), 1.0), message=message[:MESSAGE_LENGTH]))
        return bool(conn.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def finish(engine: Engine, job_id: int, status: str, *, result: dict[str, Any] | None = None, error: str | None = None,
           message: str, from_status: str = "running") -> None:
    """End a running job (or one that never left the queue) as succeeded, failed or cancelled."""
    values: dict[str, Any] = {"status": status, "result": result, "error": error, "finished_at": utcnow(),
                              "message": message[:MESSAGE_LENGTH]}
    if status == "succeeded":
        values["progress"] = 1.0
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id, Job.status == from_status).values(**values))
