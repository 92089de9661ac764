"""The job queue on the SQLite queue file and on Redis, over both stores: a job runs with progress and a result,
fails with a clear message (never a traceback), and is cancelled when queued or while running, leaving nothing."""

from __future__ import annotations

import pytest
from jobs_support import GATES, audit_writes, wait_for
from sqlalchemy import Engine

from museion.errors import Conflict, MuseionError, NotFound
from museion.jobs import Consumer, JobQueue, open_huey, records, run_job


def test_a_job_runs_and_keeps_its_result(queue: JobQueue, engine: Engine) -> None:
    job_id = queue.submit("test.echo", {"n": 3}, "analyst-1")
    queued = records.get(engine, job_id)
    assert queued["status"] == "queued" and queued["progress"] == 0 and queued["started_at"] is None
    consumer = Consumer(queue).start()
    try:
        job = wait_for(engine, job_id, "succeeded", "failed", "cancelled")
    finally:
        consumer.stop()
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["error"] is None
    assert job["result"] == {"echo": {"n": 3}, "actor": "analyst-1"}
    assert job["started_at"] is not None and job["finished_at"] >= job["started_at"]


def test_failures_are_recorded_as_messages_not_tracebacks(queue: JobQueue, engine: Engine) -> None:
    refused, crashed, unknown = (queue.submit(kind, {}, "a") for kind in ("test.refuse", "test.crash", "test.no_such_kind"))
    consumer = Consumer(queue, workers=2).start()
    try:
        jobs = [wait_for(engine, j, "succeeded", "failed") for j in (refused, crashed, unknown)]
    finally:
        consumer.stop()
    assert [j["status"] for j in jobs] == ["failed"] * 3
    assert jobs[0]["error"] == "no budget left for this test"
    assert "RuntimeError" in jobs[1]["error"] and "0xdeadbeef" not in jobs[1]["error"] and "Traceback" not in jobs[1]["error"]
    assert "does not know the job kind 'test.no_such_kind'" in jobs[2]["error"]
    assert all(j["result"] is None for j in jobs)


def test_a_queued_job_cancelled_never_runs(queue: JobQueue, engine: Engine, gate: str) -> None:
    job_id = queue.submit("test.blocking_write", {"gate": gate}, "a")
    GATES[gate].set()  # it would write at once if it ran
    assert records.request_cancel(engine, job_id)["status"] == "cancelled"
    consumer = Consumer(queue).start()
    try:
        after = queue.submit("test.echo", {}, "a")  # FIFO: once this ran, the cancelled one was taken and skipped
        wait_for(engine, after, "succeeded")
    finally:
        consumer.stop()
    job = records.get(engine, job_id)
    assert job["status"] == "cancelled" and job["started_at"] is None and audit_writes(engine) == 0


def test_a_running_job_stops_at_its_next_report_and_writes_nothing(queue: JobQueue, engine: Engine, gate: str) -> None:
    job_id = queue.submit("test.blocking_write", {"gate": gate}, "a")
    consumer = Consumer(queue).start()
    try:
        running = wait_for(engine, job_id, "running")
        assert running["started_at"] is not None
        wait_for_progress(engine, job_id)
        asked = records.request_cancel(engine, job_id)
        assert asked["cancel_requested"] and asked["status"] in ("running", "cancelled")
        job = wait_for(engine, job_id, "cancelled", "succeeded", "failed")
    finally:
        consumer.stop()
    assert job["status"] == "cancelled" and job["result"] is None and audit_writes(engine) == 0
    assert records.request_cancel(engine, job_id)["status"] == "cancelled"  # again: nothing changes


def wait_for_progress(engine: Engine, job_id: int) -> None:
    while records.get(engine, job_id)["progress"] < 0.5:
        wait_for(engine, job_id, "running")


def test_a_released_job_writes_once_and_cannot_be_cancelled_afterwards(queue: JobQueue, engine: Engine, gate: str) -> None:
    job_id = queue.submit("test.blocking_write", {"gate": gate}, "a")
    consumer = Consumer(queue).start()
    try:
        wait_for(engine, job_id, "running")
        GATES[gate].set()
        job = wait_for(engine, job_id, "succeeded", "failed", "cancelled")
    finally:
        consumer.stop()
    assert job["status"] == "succeeded" and job["result"] == {"written": True} and audit_writes(engine) == 1
    with pytest.raises(Conflict, match="already succeeded"):
        records.request_cancel(engine, job_id)


def test_unknown_jobs_and_queues_are_named(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="no job 424242"):
        records.get(engine, 424242)
    assert run_job(engine, tmp_path, 424242) == "skipped"
    with pytest.raises(MuseionError, match="MUSEION_JOBS_URL 'ftp://x' is not a queue"):
        open_huey("ftp://x", tmp_path)


def test_the_default_queue_file_is_private(queue: JobQueue, queue_url: str | None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if queue_url is not None:
        pytest.skip("the Redis queue has no file")
    assert (tmp_path / "home" / "jobs-queue.db").stat().st_mode & 0o077 == 0
