"""Load benchmark: GET /api/members/{key}/recommendations?k=10 (with explanations) at a fixed rate, over loopback.

    .venv/bin/python benchmarks/load_bench.py [--rate 200] [--duration 60] [--warmup 5]
    .venv/bin/python benchmarks/load_bench.py --duration 5     # a smoke check

A scratch SQLite store is loaded with ml-latest-small through Museion's own ingest (`load_dataset`, the
path behind `museion datasets load`), every member's personalisation consent is recorded, and EASE is
trained as `museion demo` trains it. The real app is then started by `museion serve` (uvicorn,
``--workers`` processes) and called with a real API token over HTTP/1.1 keep-alive (aiohttp client).

The load is open-loop: request i is sent at start + i/rate whatever happened to the ones before, and its
latency is measured from that scheduled time, so a stall shows up in the latency of every request it
delays (no coordinated omission). Members are drawn round-robin from a shuffled list of all 610.
The in-process figure is the same service call the route makes (`RecommenderService.recommend` and
the response model), timed in this process over the same members, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from museion.api.routes_recommend import RecommendationsOut  # noqa: E402
from museion.datasets.registry import get_dataset  # noqa: E402
from museion.datasets.service import load_dataset  # noqa: E402
from museion.fairness.serving import open_recommender  # noqa: E402
from museion.fairness.service import run_version_audit  # noqa: E402
from museion.privacy import gate  # noqa: E402
from museion.privacy.consent import (  # noqa: E402
    grant_to_undecided,  # noqa: E402
    )
from museion.recommend.training import holdout_evaluation, train  # noqa: E402
from museion.registry.demo import approve_for_demo  # noqa: E402
from museion.security.auth import create_account, issue_token  # noqa: E402
from museion.store.engine import make_engine  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402

MUSEION = Path(sys.executable).with_name("museion")
DATASETS = Path(os.environ.get("MUSEION_DATASETS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
PATH = "/api/members/{member}/recommendations"


def prepare(engine: Engine, home: Path) -> tuple[list[str], str]:
    """Load ml-latest-small, record consent, train EASE; return the member keys and an API token."""
    upgrade(engine)
    dataset = get_dataset("movielens-latest-small")
    started = time.perf_counter()
    load_dataset(engine, dataset, dataset.locate(DATASETS), actor="bench")
    print(f"loaded ml-latest-small in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    with engine.begin() as conn:
        grant_to_undecided(conn, "movielens", "personalisation", notice_version="bench", channel="bench", actor="bench")
    started = time.perf_counter()
    params = {"l2": 200.0}
    evaluation = holdout_evaluation(engine, "ease", params, source="movielens", actor="bench")
    version = train(engine, home, "ease", source="movielens", actor="bench", params=params, evaluation=evaluation)
    print(f"trained EASE (model version {version.id}) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    run_version_audit(engine, home, version.id, actor="bench")  # the review path requires the version's fairness audit
    with engine.begin() as conn:
        approve_for_demo(conn, home, version.id)  # serving needs a reviewed, deployed version: the demo's review path
        account = create_account(conn, "load-bench", "admin", actor="bench")
        token = issue_token(conn, account, actor="bench", label="load benchmark").token
    known = open_recommender(engine, home).interactions.member_ids.tolist()  # once the deployment is committed
    with engine.begin() as conn:
        members = gate.member_keys(conn, known, purpose=gate.PERSONALISATION, actor="bench")
    return list(members.values()), token


def prepared(home: Path) -> tuple[str, list[str], str]:
    """A store prepared by ``prepare`` in ``home`` (reused when ``home`` holds one): database URL, member keys, token."""
    url, saved = f"sqlite:///{home / 'museion.db'}", home / "load-bench.json"
    if saved.exists():
        found = json.loads(saved.read_text())
        return url, found["members"], found["token"]
    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    members, token = prepare(engine, home)
    engine.dispose()
    saved.write_text(json.dumps({"members": members, "token": token}))
    return url, members, token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 240  # importing the app takes long on a busy machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}: see {log}")
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 240 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:  # uvicorn waits for open connections; the numbers are in
        server.kill()
        server.wait()


async def open_loop(base: str, token: str, members: list[str], rate: float, duration: float) -> tuple[list[float], list[str]]:
    """Send rate × duration requests on schedule; return latencies (s, from the scheduled time) and errors.

    aiohttp rather than httpx: under this load httpx's connection pool spent more CPU than the server
    and stopped sending on schedule."""
    latencies: list[float] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(base, connector=connector, headers={"Authorization": f"Bearer {token}"},
                                     timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def one(member: str, scheduled: float) -> None:
            try:
                async with client.get(PATH.format(member=member), params={"k": "10"}) as response:
                    body = await response.read()
                    if response.status != 200 or len(json.loads(body)["items"]) != 10:
                        errors.append(f"{response.status} {body[:120]!r}")
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - scheduled)

        tasks, total = [], int(rate * duration)
        start = time.perf_counter() + 0.05
        for i in range(total):
            scheduled = start + i / rate
            if (wait := scheduled - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(members[i % len(members)], scheduled)))
        await asyncio.gather(*tasks)
    return latencies, errors


@dataclass
class Run:
    """One open-loop run at one rate: latencies from the scheduled times, errors, and the CPU each side spent."""
    rate: float
    latencies: list[float]
    errors: list[str]
    wall: float
    client_cpu: float  # seconds of this process's CPU
    server_cpu: float  # seconds of the server's processes' CPU

    def held(self, p99: float) -> bool:
        return not self.errors and percentile(self.latencies, 99) <= p99


def server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server process and its workers."""
    root = psutil.Process(server.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def measured(server: subprocess.Popen[bytes], base: str, token: str, members: list[str], rate: float, duration: float,
             warmup: float) -> Run:
    """Warm up at ``rate``, then one measured open-loop run with the client's and the server's CPU over it."""
    if warmup:
        asyncio.run(open_loop(base, token, members, rate, warmup))
    client0, server0, wall0 = time.process_time(), server_cpu(server), time.perf_counter()
    latencies, errors = asyncio.run(open_loop(base, token, members, rate, duration))
    return Run(rate, latencies, errors, time.perf_counter() - wall0, time.process_time() - client0, server_cpu(server) - server0)


def ladder(command: list[str], env: dict[str, str], token: str, members: list[str], rates: list[float], duration: float,
           warmup: float, log: Path) -> list[Run]:
    """Start the server, send one request (the app loads the model on first use), then each rate in turn."""
    port = free_port()
    server = start_server([*command, "--port", str(port)], env, port, log)
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(open_loop(base, token, members, 2, 1))
        return [measured(server, base, token, members, rate, duration, warmup) for rate in rates]
    finally:
        stop_server(server)


def in_process(engine: Engine, home: Path, members: list[str], n: int) -> list[float]:
    """The route's own work without HTTP: the service call and the response model, timed per call."""
    service = open_recommender(engine, home)
    timings = []
    for i in range(n):
        started = time.perf_counter()
        RecommendationsOut.model_validate(service.recommend(members[i % len(members)], 10, actor="bench").as_dict())
        timings.append(time.perf_counter() - started)
    return timings


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1] if len(values) > 1 else values[0]


def row(name: str, run: Run) -> str:
    ms = lambda seconds: seconds * 1000  # noqa: E731
    return (f"| {name} | {run.rate:,.0f} | {len(run.latencies) / run.wall:,.0f} | {ms(percentile(run.latencies, 50)):.2f} | "
            f"{ms(percentile(run.latencies, 99)):.2f} | {ms(max(run.latencies)):.1f} | {len(run.errors):,} | "
            f"{run.client_cpu / run.wall:.0%} | {run.server_cpu / run.wall:.0%} |")


def highest(runs: list[Run], p99: float) -> float:
    """The highest rate held at p99 ≤ ``p99`` with no errors (0 when none was)."""
    return max((run.rate for run in runs if run.held(p99)), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="200,500,1000,2000", help="comma-separated requests per second (open loop)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load per rate")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each measured run (not reported)")
    parser.add_argument("--p99", type=float, default=20.0, help="the p99 (ms) a rate must hold, with no errors")
    parser.add_argument("--in-process", type=int, default=3000, help="in-process calls to time after the load")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=2, help="`museion serve --workers` and the bare app's workers")
    parser.add_argument("--home", type=Path, help="prepare the store here, or reuse the one prepared here before")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare-FastAPI floor")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        url, members, token = prepared(home)
        random.Random(args.seed).shuffle(members)
        env = {**os.environ, "MUSEION_DATABASE_URL": url, "MUSEION_HOME": str(home),
               "MUSEION_AUDIT_WITNESS": str(Path(tmp) / "witness")}
        log = Path(tmp) / "server.log"
        load = os.getloadavg()
        museion = ladder([str(MUSEION), "serve", "--host", "127.0.0.1", "--workers", str(args.workers)], env, token, members,
                         rates, args.duration, args.warmup, log)
        log_lines = sum(1 for _ in log.open("rb"))
        if os.environ.get("MUSEION_BENCH_KEEP_LOG"):
            Path(os.environ["MUSEION_BENCH_KEEP_LOG"]).write_bytes(log.read_bytes())
        floor = [] if args.no_floor else ladder(
            [sys.executable, "-m", "uvicorn", "bare_app:create_app", "--factory", "--app-dir", str(Path(__file__).parent),
             "--host", "127.0.0.1", "--workers", str(args.workers), "--log-level", "warning"],
            env, token, members, rates, args.duration, args.warmup, Path(tmp) / "bare.log")
        engine = make_engine(url)
        local = in_process(engine, home, members, args.in_process)
        engine.dispose()
        load_after = os.getloadavg()
    ms = lambda seconds: seconds * 1000  # noqa: E731
    print(f"\nGET /api/members/{{key}}/recommendations?k=10 over loopback, open loop, {args.duration:g} s per rate "
          f"({len(set(members)):,} members, {os.cpu_count()} CPUs); load average before {load[0]:.2f}, after {load_after[0]:.2f}; "
          f"Museion's server log lines: {log_lines:,}\n")
    print("| server | rate /s | achieved /s | p50 ms | p99 ms | max ms | errors | client CPU | server CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in museion:
        print(row(f"`museion serve --workers {args.workers}`", run))
    for run in floor:
        print(row(f"bare FastAPI, same model & workers", run))
    print(f"\nin process (`RecommenderService.recommend` + response model), {len(local):,} calls: "
          f"p50 {ms(percentile(local, 50)):.2f} ms, p99 {ms(percentile(local, 99)):.2f} ms")
    ours = highest(museion, args.p99 / 1000)
    print(f"\nhighest rate held at p99 ≤ {args.p99:g} ms with 0 errors: Museion {ours:,.0f}/s", end="")
    if floor:
        theirs = highest(floor, args.p99 / 1000)
        print(f", bare FastAPI {theirs:,.0f}/s, ratio {ours / theirs:.2f}×" if theirs else ", bare FastAPI none", end="")
    print()
    errors = sorted({e for run in museion for e in run.errors})
    if errors:
        print("\nfirst errors:", *errors[:5], sep="\n  ")


if __name__ == "__main__":
    main()
