"""Collaboration queue benchmark: claim-next and decide under load, on SQLite and PostgreSQL, and concurrent claims.

    MUSEION_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/collab_bench.py [--open 100000] [--ops 500] [--threads 4]

The queue holds ``--open`` open proposals (generated: subject suggestions for made-up works, labelled as such in the
evidence), routed to the curator role. Each timed operation is what a reviewer's click does: one transaction through
the real service (`claim_next`, then `decide` with its audit entries and the capability hand-off). The floor is the
least any queue step can cost: one transaction that updates one proposal row by primary key, timed the same way in the
same run. Then ``--threads`` reviewers claim at once on their own connections, and the run fails if two ever got
the same proposal. The feedback-loop figures are in benchmarks/collab_feedback_bench.py.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

from sqlalchemy import Engine, insert, update  # noqa: E402

from museion.collab.models import Proposal  # noqa: E402
from museion.collab.queue import active_policy  # noqa: E402
from museion.collab.review import Reviewer, claim_next, decide  # noqa: E402
from museion.security.auth import create_account  # noqa: E402
from museion.store.base import utcnow  # noqa: E402
from museion.store.engine import make_engine  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402
from scratch import postgres_schema  # noqa: E402


def fill(engine: Engine, n: int) -> None:
    """``n`` open subject-suggestion proposals for generated works, due over the next month."""
    policy, now = active_policy(), utcnow()
    rows = [{"kind": "work.subjects", "subject": f"work:generated:{i}", "payload": {"subjects": ["sea", f"s{i % 500}"]},
             "evidence": {"generated": True, "neighbours": [f"work:generated:{i + 1}"]}, "proposed_by": "benchmark",
             "confidence": (i % 100) / 100, "risk": "low", "decider": "curator", "reviewers": 1, "claims": 0,
             "policy_hash": policy.sha256, "status": "open", "due_at": now + timedelta(minutes=i % 43_200), "created_at": now}
            for i in range(n)]
    with engine.begin() as conn:
        for start in range(0, n, 10_000):
            conn.execute(insert(Proposal), rows[start:start + 10_000])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def timed(step, ops: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for i in range(ops):
        start = time.perf_counter()
        step(i)
        samples.append(time.perf_counter() - start)
    return samples


def measure(engine: Engine, n_open: int, ops: int) -> dict[str, tuple[float, float]]:
    with engine.begin() as conn:
        curator = Reviewer(create_account(conn, f"bench-{uuid.uuid4().hex[:6]}", "curator", actor="benchmark"), "curator")
    fill(engine, n_open)
    claimed: list[int] = []

    def claim(_: int) -> None:
        with engine.begin() as conn:
            claimed.append(claim_next(conn, curator))  # type: ignore[arg-type]

    def decide_one(i: int) -> None:
        with engine.begin() as conn:
            decide(conn, curator, claimed[i], "accept" if i % 3 else "reject", reason=None if i % 3 else "wrong subject")

    ids = random.Random(1).sample(range(1, n_open + 1), ops)

    def floor(i: int) -> None:
        with engine.begin() as conn:
            conn.execute(update(Proposal).where(Proposal.id == ids[i]).values(claims=Proposal.claims))

    return {"floor: one-row update": percentiles(timed(floor, ops)), "claim next": percentiles(timed(claim, ops)),
            "decide": percentiles(timed(decide_one, ops))}


def race(engine: Engine, threads: int, per_thread: int) -> tuple[int, int]:
    """Reviewers claiming at once; returns (claims made, proposals claimed twice)."""
    with engine.begin() as conn:
        reviewers = [Reviewer(create_account(conn, f"race-{uuid.uuid4().hex[:6]}", "curator", actor="benchmark"), "curator")
                     for _ in range(threads)]
    got: list[int] = []
    lock, barrier = threading.Lock(), threading.Barrier(threads)

    def work(reviewer: Reviewer) -> None:
        barrier.wait()
        for _ in range(per_thread):
            with engine.begin() as conn:
                found = claim_next(conn, reviewer)
            with lock:
                got.append(found)  # type: ignore[arg-type]

    pool = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(got), len(got) - len(set(got))


def run(name: str, url: str, args: argparse.Namespace) -> bool:
    """Print one backend's rows; True when two reviewers ever got the same proposal."""
    engine = make_engine(url)
    upgrade(engine)
    try:
        found = measure(engine, args.open, args.ops)
        floor = found["floor: one-row update"][1]
        for op, (p50, p99) in found.items():
            print(f"{name:<11} {op:<24} {p50:8.2f} {p99:8.2f} {p99 / floor:12.1f}")
        claims, doubled = race(engine, args.threads, 50)
        print(f"{name:<11} {f'{args.threads} reviewers at once':<24} {claims} claims, {doubled} proposals claimed twice")
        return doubled > 0
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open proposals in the queue")
    parser.add_argument("--ops", type=int, default=500, help="timed claims and decisions")
    parser.add_argument("--threads", type=int, default=4, help="reviewers claiming at once")
    parser.add_argument("--postgres", default=os.environ.get("MUSEION_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="collab-bench-"))
    print(f"{args.open:,} open proposals (generated); {args.ops} timed operations; p99 target ≤ 20 ms")
    print(f"{'backend':<11} {'operation':<24} {'p50 ms':>8} {'p99 ms':>8} {'p99 / floor':>12}")
    failed = run("SQLite", f"sqlite:///{folder / 'museion.db'}", args)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            failed |= run("PostgreSQL", url, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
