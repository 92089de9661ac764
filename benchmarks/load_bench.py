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
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from museion.api.routes_recommend import RecommendationsOut  # noqa: E402
from museion.datasets.registry import get_dataset  # noqa: E402
from museion.datasets.service import load_dataset  # noqa: E402
from museion.fairness.serving import open_recommender  # noqa: E402
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
    with engine.begin() as conn:
        approve_for_demo(conn, home, version.id)  # serving needs a reviewed, deployed version: the demo's review path
        account = create_account(conn, "load-bench", "admin", actor="bench")
        token = issue_token(conn, account, actor="bench", label="load benchmark").token
        known = open_recommender(engine, home).interactions.member_ids.tolist()
        members = gate.member_keys(conn, known, purpose=gate.PERSONALISATION, actor="bench")
    return list(members.values()), token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, log: Path, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([str(MUSEION), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}: see {log}")
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 60 s")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (open loop)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring (not reported)")
    parser.add_argument("--in-process", type=int, default=3000, help="in-process calls to time after the load")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=1, help="`museion serve --workers`: server processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        url = f"sqlite:///{home / 'museion.db'}"
        engine = make_engine(url)
        members, token = prepare(engine, home)
        random.Random(args.seed).shuffle(members)
        env = {**os.environ, "MUSEION_DATABASE_URL": url, "MUSEION_HOME": str(home),
               "MUSEION_AUDIT_WITNESS": str(Path(tmp) / "witness")}
        port, log = free_port(), Path(tmp) / "server.log"
        server = start_server(env, port, log, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            asyncio.run(open_loop(base, token, members, 1, 1))  # the app loads the model on first use
            print(f"first request (loads the model): {time.perf_counter() - started:.2f} s", file=sys.stderr)
            if args.warmup:
                asyncio.run(open_loop(base, token, members, args.rate, args.warmup))
            latencies, errors = asyncio.run(open_loop(base, token, members, args.rate, args.duration))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:  # uvicorn waits for open connections; the numbers are in
                server.kill()
                server.wait()
        log_lines = sum(1 for _ in log.open("rb"))
        if os.environ.get("MUSEION_BENCH_KEEP_LOG"):
            Path(os.environ["MUSEION_BENCH_KEEP_LOG"]).write_bytes(log.read_bytes())
        local = in_process(engine, home, members, args.in_process)
        engine.dispose()
    ms = lambda seconds: seconds * 1000  # noqa: E731
    print(f"\n{len(latencies):,} requests at {args.rate:g}/s for {args.duration:g} s over loopback "
          f"({len(set(members)):,} members); server log lines: {log_lines:,}\n")
    print("| GET recommendations k=10 + explanations | requests | p50 ms | p99 ms | max ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| HTTP, `museion serve --workers {args.workers}` (uvicorn), open loop | {len(latencies):,} | {ms(percentile(latencies, 50)):.2f} | "
          f"{ms(percentile(latencies, 99)):.2f} | {ms(max(latencies)):.2f} | {len(errors)} |")
    print(f"| in process: `RecommenderService.recommend` + response model | {len(local):,} | {ms(percentile(local, 50)):.2f} | "
          f"{ms(percentile(local, 99)):.2f} | {ms(max(local)):.2f} | 0 |")
    if errors:
        print("\nfirst errors:", *sorted(set(errors))[:5], sep="\n  ")
    print(f"\naim: p50 ≤ 5 ms, p99 ≤ 20 ms, 0 errors — "
          f"{'met' if percentile(latencies, 50) <= 0.005 and percentile(latencies, 99) <= 0.020 and not errors else 'missed'}")


if __name__ == "__main__":
    main()
