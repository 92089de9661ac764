"""`museion jobs list|show|cancel`: the operator's view of every job; a finished job cannot be cancelled."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from jobs_support import wait_for
from sqlalchemy import Engine
from typer.testing import CliRunner

from museion.cli.jobs import worker_beside_server
from museion.cli.main import app
from museion.config import get_settings
from museion.jobs import Consumer, records
from museion.jobs_kinds import open_queue

runner = CliRunner()


def test_list_show_and_cancel(museion_env: str, engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    queue = open_queue(engine, tmp_path / "home")
    waiting = queue.submit("test.echo", {"n": 1}, "account:7")
    listed = runner.invoke(app, ["jobs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"kind": "test.echo"' in listed.output and '"status": "queued"' in listed.output
    cancelled = runner.invoke(app, ["jobs", "cancel", str(waiting)])
    assert cancelled.exit_code == 0 and f"job {waiting}: cancelled" in cancelled.output
    done = queue.submit("test.echo", {"n": 2}, "account:7")
    consumer = Consumer(queue).start()
    try:
        wait_for(engine, done, "succeeded")
    finally:
        consumer.stop()
    shown = runner.invoke(app, ["jobs", "show", str(done)])
    assert shown.exit_code == 0 and "succeeded, 100%" in shown.output and '"n": 2' in shown.output
    refused = runner.invoke(app, ["jobs", "cancel", str(done)])
    assert refused.exit_code == 1 and "already succeeded" in refused.output and "Traceback" not in refused.output
    missing = runner.invoke(app, ["jobs", "show", "987654"])
    assert missing.exit_code == 1 and "no job 987654" in missing.output
    assert records.get(engine, waiting)["status"] == "cancelled"


def test_serve_runs_its_jobs_in_a_child_worker(museion_env: str, store: Engine, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`museion serve` starts `museion jobs worker` beside itself and runs no job threads in the server's process."""
    monkeypatch.setenv("MUSEION_JOBS_WORKERS", "1")  # restored after the test: serve's context sets it to 0
    get_settings.cache_clear()
    queue = open_queue(store, tmp_path / "home")
    with worker_beside_server():
        assert get_settings().jobs_workers == 0
        job_id = queue.submit("dp_histogram", {"dataset": "t", "by": "kind", "epsilon": 0.1, "max_contributions": 50}, "cli")
        job = wait_for(store, job_id, "succeeded", "failed")
    assert job["status"] == "succeeded", job
    assert job["result"]["counts"].keys() == {"film"} and job["result"]["remaining_epsilon"] == pytest.approx(0.9)


def test_the_servers_worker_never_outlives_it(museion_env: str, store: Engine) -> None:  # type: ignore[no-untyped-def]
    """A server stopped by a signal may exit before its clean-up runs (uvicorn re-raises SIGTERM): the worker it
    started notices that its parent is gone and stops, rather than holding the terminal or the queue."""
    command = f"{sys.executable} -c 'from museion.cli.main import app; app()' jobs worker --parent $$ >/dev/null 2>&1 & echo $!; sleep 3"
    parent = subprocess.Popen(["bash", "-c", command], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())  # type: ignore[union-attr]
    parent.wait(60)
    deadline = time.monotonic() + 60  # a liveness guard, not a timing threshold
    while _alive(child):
        assert time.monotonic() < deadline, "the worker outlived the process that started it"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False
