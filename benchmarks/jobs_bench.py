"""Long work as jobs (issue 21, item 13): /api/works latency while a re-ranker trade-off curve runs (a) inside a
request, as before, (b) as a job on the server's in-process consumer (`museion serve`, `make run`) and (c) as a job
on a standalone `museion jobs worker` process (production); the peer is the same server idle. Also the time of a
DP histogram release of ml-latest-small's 100,836 ratings (+3,683 tags) in one process, first and warm.

Usage: ``.venv/bin/python benchmarks/jobs_bench.py [--data DIR] [--strengths 0:1:0.1]``. DIR holds
``movielens-latest-small`` (default ``$MUSEION_DATASETS_DIR``, else ``../shared/data``). Each server is a real
uvicorn process on a scratch SQLite store; a client thread asks for /api/works?limit=20 every 50 ms while the curve
runs, and the POST that starts the curve is timed too. Curve: ease tuned on validation + xquad over the strengths.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.privacy import consent, releases
from museion.security.auth import create_account, issue_token
from museion.store.engine import make_engine
from museion.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SERVER = """
import sys, uvicorn
from museion.config import get_settings
from museion.fairness.curve import rerank_curve
from museion.server import create_app
from museion.store.engine import make_engine
app = create_app(make_engine(get_settings().resolved_database_url))  # as `museion serve`, less its schema check
strengths = [float(s) for s in sys.argv[2].split(",")]

@app.post("/bench/curve-in-request")  # the old path: the curve computed inside the request (added after the route check)
def curve_in_request() -> dict:
    curve = rerank_curve(app.state.engine, source="movielens", model="ease", reranker="xquad", strengths=strengths, actor="bench")
    return {"points": len(curve["points"])}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


WORKER = """
import signal, threading
from museion.config import get_settings
from museion.jobs import Consumer
from museion.jobs_kinds import open_queue
from museion.store.engine import make_engine
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
consumer = Consumer(open_queue(make_engine(get_settings().resolved_database_url), get_settings().home)).start()
stop.wait()
consumer.stop()
"""
"""What `museion jobs worker` runs, less its schema check (other work in the tree may add migrations meanwhile)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def grid(spec: str) -> list[float]:
    start, stop, step = (float(x) for x in spec.split(":"))
    return [round(v, 6) for v in np.arange(start, stop + step / 2, step)]


class Sampler(threading.Thread):
    """Asks for /api/works every 50 ms until stopped; keeps each answer's latency (errors count as failures)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.base, self.headers, self.stop = base, headers, threading.Event()
        self.latencies: list[float] = []
        self.failures = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=120) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get("/api/works", params={"limit": 20}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append(time.perf_counter() - started)
                self.failures += not ok
                self.stop.wait(0.05)


def serve(env: dict[str, str], strengths: list[float], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), ",".join(map(str, strengths))],
                            env={**env, "MUSEION_JOBS_WORKERS": str(workers)})
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def poll(client: httpx.Client, location: str) -> dict:  # type: ignore[type-arg]
    """The job's record; a connection the server dropped (keep-alive expiry during a stall) is retried."""
    for _ in range(5):
        try:
            return client.get(location).json()
        except httpx.TransportError:
            time.sleep(0.5)
    return client.get(location).json()


def measure(base: str, analyst: dict[str, str], how: str, strengths: list[float]) -> dict[str, float | int | str]:
    """Sample /api/works while the curve runs ``how`` (idle: for 10 s without it)."""
    sampler = Sampler(base, analyst)
    sampler.start()
    time.sleep(1.0)
    started = time.perf_counter()
    with httpx.Client(base_url=base, headers=analyst, timeout=900) as client:
        if how == "idle":
            time.sleep(10)
            answered = 0.0
        elif how == "in-request":
            response = client.post("/bench/curve-in-request")
            answered = time.perf_counter() - started
            assert response.status_code == 200, response.text
        else:
            response = client.post("/api/jobs/rerank-curve", json={"model": "ease", "reranker": "xquad", "strengths": strengths,
                                                                   "source": "movielens"})
            answered = time.perf_counter() - started
            assert response.status_code == 202, response.text
            while (job := poll(client, response.headers["location"]))["status"] in ("queued", "running"):
                time.sleep(0.25)
            assert job["status"] == "succeeded", job
    total = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    ms = np.array(sampler.latencies) * 1000
    return {"how": how, "n": len(ms), "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
            "max": float(ms.max()), "failures": sampler.failures, "answered_s": answered, "curve_s": total if how != "idle" else 0.0}


def dp_release_times(engine, repeats: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds of the first DP histogram release in this process (imports OpenDP) and the median of warm ones."""
    def once() -> float:
        started = time.perf_counter()
        releases.activity_histogram(engine, "movielens", "genre", epsilon=0.001, actor="bench")
        return time.perf_counter() - started
    first = once()
    return first, statistics.median(once() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MUSEION_DATASETS_DIR") or REPO.parent / "shared" / "data"))
    parser.add_argument("--strengths", default="0:1:0.1")
    args = parser.parse_args()
    strengths = grid(args.strengths)
    with tempfile.TemporaryDirectory() as tmp:
        url, home = f"sqlite:///{Path(tmp) / 'museion.db'}", Path(tmp) / "home"
        engine = make_engine(url)
        upgrade(engine)
        load_dataset(engine, get_dataset("movielens-latest-small"), args.data / "movielens-latest-small")
        with engine.begin() as conn:
            consent.grant_to_undecided(conn, "movielens", "personalisation", notice_version="benchmark", channel="benchmark",
                                       actor="bench")
            releases.set_budget(conn, "movielens", 1000.0)
            analyst = {"Authorization": "Bearer " + issue_token(conn, create_account(conn, "bench", "analyst", actor="bench"),
                                                                actor="bench").token}
        first, warm = dp_release_times(engine)
        engine.dispose()
        env = {**os.environ, "MUSEION_DATABASE_URL": url, "MUSEION_HOME": str(home)}
        rows = []
        proc, base = serve(env, strengths, workers=1)
        try:
            rows += [measure(base, analyst, how, strengths) for how in ("idle", "in-request", "job (in-process consumer)")]
        finally:
            proc.terminate()
            proc.wait()
        proc, base = serve(env, strengths, workers=0)
        worker = subprocess.Popen([sys.executable, "-c", WORKER], env=env)
        try:
            rows.append(measure(base, analyst, "job (standalone worker)", strengths))
        finally:
            worker.terminate()
            proc.terminate()
            worker.wait()
            proc.wait()
    idle = rows[0]
    print(f"\n/api/works?limit=20 every 50 ms on {os.cpu_count()} cores while ease + xquad sweeps {len(strengths)} strengths "
          f"(ml-latest-small); peer: the same server idle")
    print(f"{'curve runs':<28}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p99/idle':>9}{'fails':>6}"
          f"{'POST answered s':>16}{'curve done s':>13}")
    for r in rows:
        print(f"{r['how']:<28}{r['n']:>9}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['max']:>9.1f}{r['p99'] / idle['p99']:>9.1f}"
              f"{r['failures']:>6}{r['answered_s']:>16.2f}{r['curve_s']:>13.1f}")
    print(f"\nDP histogram by genre of ml-latest-small in one process: first release {first:.2f} s (imports OpenDP), "
          f"warm median {warm:.2f} s")


if __name__ == "__main__":
    main()
