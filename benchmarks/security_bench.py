"""Security benchmark: `museion audit verify` on a chain of 1,000,000 entries, and what authentication and
authorization add to each request — the same app with its checks switched off is the peer, in the same run.

    MUSEION_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/security_bench.py [--entries 1000000] [--requests 3000]

The chain is written straight into the table (computing exactly the hashes `record` would) because a
million single appends would only measure the append path; a shorter run of real appends is reported too.
`verify` is then timed as a user runs it: the `museion audit verify` command in a fresh process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

import httpx  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from museion import audit  # noqa: E402
from museion.audit.chain import CHECKPOINT_EVERY, GENESIS, canonical_details, checkpoint_signature, entry_message, format_at  # noqa: E402
from museion.http.authz import route_contexts  # noqa: E402
from museion.ingest.load import import_file  # noqa: E402
from museion.ingest.mapping import ColumnMapping  # noqa: E402
from museion.security.auth import create_account, issue_token  # noqa: E402
from museion.server import create_app  # noqa: E402
from museion.store.engine import make_engine  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402
from scratch import postgres_schema  # noqa: E402

MUSEION = Path(sys.executable).with_name("museion")
COLUMNS = "seq, at, actor, action, target, details, prev_hash, hash"
BATCH = 100_000


def chain_rows(n: int) -> Iterator[list[tuple]]:
    """Batches of audit rows with valid hashes, as `record` would have written them."""
    mac, prev = audit.audit_key().mac(), GENESIS
    start = datetime(2026, 1, 1, tzinfo=UTC)
    actions = ("auth.login", "token.create", "consent.grant", "consent.withdraw", "privacy.read", "model.approve")
    batch: list[tuple] = []
    for seq in range(1, n + 1):
        at = format_at(start + timedelta(milliseconds=seq))
        actor, action, target = f"account:{seq % 50 + 1}", actions[seq % len(actions)], f"member:{seq % 100_000}"
        details = canonical_details({"rows": seq % 1000, "purpose": "personalisation"})
        digest = mac(entry_message(prev, seq, at, actor, action, target, details))
        batch.append((seq, at, actor, action, target, details, prev, digest))
        prev = digest
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_chain(engine: Engine, n: int) -> float:
    started, last = time.perf_counter(), None
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        for batch in chain_rows(n):
            if engine.dialect.name == "postgresql":
                with raw.cursor().copy(f"COPY audit_log ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[union-attr]
                    for row in batch:
                        copy.write_row((*row[:1], row[1] + "+00", *row[2:]))
            else:
                raw.executemany(f"INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)  # type: ignore[union-attr]
            last = batch[-1]
        assert last is not None
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :s, :h)"), {"s": last[0], "h": last[-1]})
        key = audit.audit_key()
        for seq in range(CHECKPOINT_EVERY, n + 1, CHECKPOINT_EVERY):
            digest = conn.execute(text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": seq}).scalar_one()
            conn.execute(text("INSERT INTO audit_checkpoints (seq, hash, key_id, signature) VALUES (:s, :h, :k, :g)"),
                         {"s": seq, "h": digest, "k": key.key_id, "g": checkpoint_signature(key, seq, digest)})
        audit.checkpoint(conn)  # signs the head and arms the witness, which verify then compares
    return time.perf_counter() - started


def cli_verify(url: str, home: Path) -> tuple[float, dict]:
    env = {**os.environ, "MUSEION_DATABASE_URL": url, "MUSEION_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run([str(MUSEION), "audit", "verify", "--json"], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(done.stdout)


def appends_per_second(engine: Engine, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        with engine.begin() as conn:
            audit.record(conn, actor="account:1", action="catalog.export", target=f"export:{i}", details={"rows": i})
    return n / (time.perf_counter() - started)


def open_app(engine: Engine, home: Path):  # type: ignore[no-untyped-def]
    """The same app with every access check replaced by a no-op: the peer for the overhead figure."""
    app = create_app(engine, home)

    async def allow() -> None:
        return None

    for _, route in route_contexts(app):
        stack = list(route.dependant.dependencies) if hasattr(route, "dependant") else []
        while stack:
            dep = stack.pop()
            if hasattr(dep.call, "museion_access"):
                app.dependency_overrides[dep.call] = allow
            stack.extend(dep.dependencies)
    return app


def request_overhead(engine: Engine, home: Path, requests: int) -> dict[str, float]:
    """Median µs per GET /api/works/{id}, with and without the checks, interleaved to share the noise.

    Requests go to the ASGI app in one event loop (httpx's ASGI transport): no sockets and no test-client
    threads, so the difference between the two apps is what the checks cost.
    """
    with engine.begin() as conn:
        account = create_account(conn, f"bench-{uuid.uuid4().hex[:6]}", "curator", actor="bench")
        token = issue_token(conn, account, actor="bench").token

    async def measure() -> dict[str, float]:
        path, timings = "/api/works/1", {"secured": [], "open": []}
        secured = httpx.AsyncClient(transport=httpx.ASGITransport(create_app(engine, home)), base_url="http://bench",
                                    headers={"Authorization": f"Bearer {token}"})
        open_ = httpx.AsyncClient(transport=httpx.ASGITransport(open_app(engine, home)), base_url="http://bench")
        async with secured, open_:
            started = time.perf_counter()
            assert (await secured.get(path)).status_code == 200  # first use: argon2 verifies the token
            cold = time.perf_counter() - started
            assert (await open_.get(path)).status_code == 200
            for _ in range(requests // 100):
                for name, client in (("secured", secured), ("open", open_)):
                    for _ in range(100):
                        started = time.perf_counter()
                        await client.get(path)
                        timings[name].append(time.perf_counter() - started)
        secured_us, open_us = (statistics.median(timings[k]) * 1e6 for k in ("secured", "open"))
        return {"secured_us": secured_us, "open_us": open_us, "added_us": secured_us - open_us, "cold_ms": cold * 1000}

    return asyncio.run(measure())


def run(name: str, url: str, entries: int, requests: int, workdir: Path) -> dict[str, object]:
    engine = make_engine(url)
    upgrade(engine)
    works = workdir / f"{name}-works.csv"
    works.write_text("key,kind,title,year\n1,film,Heat,1995\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="bench"), works)
    overhead = request_overhead(engine, workdir / "home", requests)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM audit_head"))
    rate = appends_per_second(engine, 2000)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM audit_head"))
        conn.execute(text("DELETE FROM audit_checkpoints"))
    written = write_chain(engine, entries)
    wall, report = cli_verify(url, workdir / "home")
    assert report["ok"] and report["entries"] == entries and report["witness_seq"] == entries, report
    engine.dispose()
    return {"backend": name, "entries": entries, "write_s": written, "verify_cli_s": wall, "verify_core_s": report["seconds"],
            "appends_per_s": rate, **overhead}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--postgres", default=os.environ.get("MUSEION_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["MUSEION_AUDIT_WITNESS"] = str(work / "witness")
        results.append(run("SQLite", f"sqlite:///{work / 'bench.db'}", args.entries, args.requests, work))
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                results.append(run("PostgreSQL", url, args.entries, args.requests, work))
    print("| backend | entries | `museion audit verify` s | verify core s | entries/s | appends/s (record) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['backend']} | {r['entries']:,} | {r['verify_cli_s']:.2f} | {r['verify_core_s']:.2f} | "
              f"{r['entries'] / r['verify_core_s']:,.0f} | {r['appends_per_s']:,.0f} |")
    print()
    print("| backend | GET /api/works/{id} open µs | with auth µs | added µs | first use of a token ms (argon2) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['backend']} | {r['open_us']:,.0f} | {r['secured_us']:,.0f} | {r['added_us']:,.0f} | {r['cold_ms']:.1f} |")


if __name__ == "__main__":
    main()
