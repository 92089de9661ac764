"""What the job tests share besides fixtures: small job kinds whose progress, outcome and timing the tests
control (registered on import), and waiting for a job's outcome."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, func, select

from museion import audit
from museion.audit.models import AuditEntry
from museion.errors import MuseionError
from museion.jobs import JobContext, records, register

GATES: dict[str, threading.Event] = {}  # a blocking job waits on GATES[its "gate" parameter]


def echo(ctx: JobContext) -> dict[str, Any]:
    ctx.report(0.5, "half way")
    return {"echo": ctx.params, "actor": ctx.actor}


def refuse(ctx: JobContext) -> dict[str, Any]:
    raise MuseionError("no budget left for this test")


def crash(ctx: JobContext) -> dict[str, Any]:
    raise RuntimeError("secret internals at 0xdeadbeef")


def blocking_write(ctx: JobContext) -> dict[str, Any]:
    """Report until the test opens the gate, then write one audit entry (in one transaction, at the end)."""
    gate = GATES[ctx.params["gate"]]
    ctx.report(0.1, "waiting for the gate")
    while not gate.wait(0.05):
        ctx.report(0.5, "still waiting")
    with ctx.engine.begin() as conn:
        audit.record(conn, actor=ctx.actor, action="test.job_write", target=f"job:{ctx.job_id}")
    return {"written": True}


for _name, _run in (("test.echo", echo), ("test.refuse", refuse), ("test.crash", crash), ("test.blocking_write", blocking_write)):
    register(_name, _run)


def wait_for(engine: Engine, job_id: int, *statuses: str, timeout: float = 120.0) -> dict[str, Any]:
    """The job's record once its status is one of ``statuses`` (a liveness guard, not a timing threshold)."""
    deadline = time.monotonic() + timeout
    while (job := records.get(engine, job_id))["status"] not in statuses:
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} ({job['message']}) after {timeout:.0f} s")
        time.sleep(0.05)
    return job


def audit_writes(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.job_write")))
