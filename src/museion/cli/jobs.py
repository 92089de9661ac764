"""`museion jobs …`: list, show and cancel jobs, and run a standalone worker (`museion serve` starts one beside
itself; production may run more, on other hosts too). Long commands run inline and print their progress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape

from museion.cli import context
from museion.cli.output import console, err_console, friendly_errors, print_json, show_rows
from museion.config import get_settings

jobs_app = typer.Typer(help="Long work as jobs: list, show, cancel, and run a worker.", no_args_is_help=True)


def progress_lines(what: str) -> Callable[[float, str], None]:
    """A progress reporter for a command that runs long work inline: one line per stage on stderr."""
    def report(done: float, message: str) -> None:
        err_console.print(f"[dim]{escape(what)} {done:4.0%}[/] {escape(message)}", highlight=False)
    return report


def _show(job: dict[str, Any]) -> None:
    console.print(f"job {job['id']} ({job['kind']}) by {job['actor']}: {job['status']}, {job['progress']:.0%} — {job['message']}",
                  highlight=False, markup=False)
    if job["error"]:
        console.print(f"error: {job['error']}", highlight=False, markup=False)
    if job["result"] is not None:
        print_json(job["result"])


@jobs_app.command("list")
@friendly_errors
def list_jobs(status: Annotated[str | None, typer.Option(help="queued, running, succeeded, failed or cancelled.")] = None,
              kind: Annotated[str | None, typer.Option(help="fairness_audit, rerank_curve, dp_histogram or training.")] = None,
              limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
              as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Everyone's jobs, newest first (the operator sees all of them)."""
    from museion.jobs import records

    rows = records.listing(context.engine(), status=status, kind=kind, limit=limit)
    show_rows(rows, as_json=as_json, title="jobs", columns={
        "id": lambda r: r["id"], "kind": lambda r: r["kind"], "status": lambda r: r["status"],
        "progress": lambda r: f"{r['progress']:.0%}", "message": lambda r: r["message"], "by": lambda r: r["actor"],
        "created": lambda r: f"{r['created_at']:%Y-%m-%d %H:%M:%S}"})


@jobs_app.command("show")
@friendly_errors
def show(job_id: Annotated[int, typer.Argument(help="The job's id.")],
         as_json: Annotated[bool, typer.Option("--json", help="Print the whole record as JSON.")] = False) -> None:
    """One job: status, progress, and its result or error."""
    from museion.jobs import records

    job = records.get(context.engine(), job_id)
    if as_json:
        print_json(job)
    else:
        _show(job)


@jobs_app.command("cancel")
@friendly_errors
def cancel(job_id: Annotated[int, typer.Argument(help="The job's id.")]) -> None:
    """Cancel a job: a queued one at once, a running one at its next progress report."""
    from museion.jobs import records

    job = records.request_cancel(context.engine(), job_id)
    console.print(f"job {job_id}: {job['status']}" + (" (stops at its next progress report)" if job["status"] == "running" else ""))


@jobs_app.command("worker")
@friendly_errors
def worker(workers: Annotated[int, typer.Option(min=1, max=32, help="Jobs run at once (threads).")] = 1,
           parent: Annotated[int | None, typer.Option("--parent", min=1, help="Stop when this process (the one that started "
                                                       "this worker, as `museion serve` does) has ended.")] = None) -> None:
    """Run jobs from the queue until interrupted (Ctrl-C or SIGTERM: running jobs stop at their next report).
    The queue is MUSEION_JOBS_URL (redis://… or postgresql://… in production), else the SQLite queue in MUSEION_HOME."""
    from museion.jobs import Consumer
    from museion.jobs_kinds import open_queue

    queue = open_queue(context.engine(), context.home())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if parent is not None:  # a server stopped by a signal may exit without running its clean-up: never outlive it
        threading.Thread(target=_stop_when_orphaned, args=(parent, stop), daemon=True, name="parent-watch").start()
    consumer = Consumer(queue, workers).start()
    console.print(f"museion jobs worker: {workers} thread(s) on {type(queue.huey).__name__} queue {queue.huey.name!r}; "
                  f"{queue.pending()} job(s) waiting")
    stop.wait()
    consumer.stop()
    console.print("worker stopped")


def _stop_when_orphaned(parent: int, stop: threading.Event) -> None:
    while os.getppid() == parent and not stop.wait(1.0):
        pass
    stop.set()


@contextmanager
def worker_beside_server() -> Iterator[None]:
    """While `museion serve` runs, run its jobs in a child `museion jobs worker` (MUSEION_JOBS_WORKERS threads), and
    none in the server: a job's long native calls (SciPy's sparse products hold the GIL for seconds) would otherwise
    stall every request of the server's process (docs/benchmarks.md, "Long work as jobs")."""
    threads = get_settings().jobs_workers
    if not threads:  # jobs run elsewhere: standalone workers
        yield
        return
    child = subprocess.Popen([sys.executable, "-c", "from museion.cli.main import app; app()", "jobs", "worker", "--workers", str(threads),
                              "--parent", str(os.getpid())],
                             stdout=sys.stderr)  # its status lines are the server's log, not the output of `serve`
    os.environ["MUSEION_JOBS_WORKERS"] = "0"  # the server's app (and uvicorn's worker processes) run no job threads
    get_settings.cache_clear()
    try:
        yield
    finally:
        child.terminate()  # the worker asks running jobs to stop at their next report
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
