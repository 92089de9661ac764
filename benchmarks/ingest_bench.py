"""Ingest benchmark: Museion's validated, atomic load of ml-latest-small against raw driver inserts of
the same rows into the same tables, on SQLite (executemany) and PostgreSQL (COPY); and a streaming
load of a generated events file with its peak memory.

    .venv/bin/python benchmarks/ingest_bench.py [--postgres URL] [--stream-events N]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.store.base import utcnow
from museion.store.bulk import bulk_insert, content_hash
from museion.store.engine import make_engine
from museion.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MUSEION_DATASETS_DIR", REPO.parent / "shared" / "data")) / "movielens-latest-small"


def read_csv(name: str) -> list[list[str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[1:]


def raw_rows() -> dict[str, list[tuple]]:
    """The rows Museion stores for ml-latest-small, prepared before the clock starts (a gift to raw)."""
    now = utcnow()
    movies, ratings, tags = read_csv("movies.csv"), read_csv("ratings.csv"), read_csv("tags.csv")
    work_id = {m[0]: i + 1 for i, m in enumerate(movies)}
    users = sorted({r[0] for r in ratings} | {t[0] for t in tags}, key=int)
    member_id = {u: i + 1 for i, u in enumerate(users)}
    works = [(work_id[m[0]], f"movielens:{m[0]}", "movielens", "film", m[1], "{}", content_hash(m), now, now) for m in movies]
    terms = [(work_id[m[0]], "genre", g, p) for m in movies for p, g in enumerate(m[2].split("|")) if g != "(no genres listed)"]
    members = [(member_id[u], f"movielens:{u}", "movielens", content_hash({}), now) for u in users]
    uid = lambda *parts: hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()  # noqa: E731
    events = [(uid(*r), member_id[r[0]], work_id[r[1]], "rating", float(r[2]), int(r[3]), None, None) for r in ratings]
    events += [(uid(*t), member_id[t[0]], work_id[t[1]], "tag", None, int(t[3]), None, t[2]) for t in tags]
    return {"works": works, "work_terms": terms, "members": members, "events": events}


COLUMNS = {
    "works": ("id", "key", "source", "kind", "title", "external_ids", "content_hash", "created_at", "updated_at"),
    "work_terms": ("work_id", "vocabulary", "term", "position"),
    "members": ("id", "key", "source", "content_hash", "created_at"),
    "events": ("uid", "member_id", "work_id", "kind", "value", "occurred_at", "channel", "label"),
}


def fresh_engine(url: str | None, tmp: Path):  # type: ignore[no-untyped-def]
    if url is None:
        engine = make_engine(f"sqlite:///{tmp / (uuid.uuid4().hex + '.db')}")
        upgrade(engine)
        return engine, lambda: None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    upgrade(engine)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    return engine, drop


def time_raw(url: str | None, tmp: Path, rows: dict[str, list[tuple]]) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of the raw insert."""
    engine, drop = fresh_engine(url, tmp)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        with engine.begin() as conn:
            for table in ("works", "work_terms", "members", "events"):
                bulk_insert(conn, table, COLUMNS[table], rows[table])  # executemany on SQLite, COPY on PostgreSQL
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        drop()


def time_museion(url: str | None, tmp: Path) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of ``museion datasets load``'s path."""
    engine, drop = fresh_engine(url, tmp)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        load_dataset(engine, get_dataset("movielens-latest-small"), DATA)
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        drop()


def best_of(pairs: list[tuple[tuple[float, float], ...]], side: int) -> tuple[float, float]:
    """One side's best wall time and best CPU time over interleaved runs (the machine is shared: CPU time is steadier)."""
    return min(p[side][0] for p in pairs), min(p[side][1] for p in pairs)


def stream_child(path: str, url: str) -> None:
    """Run in a fresh process so its peak RSS is the import's own."""
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    engine = make_engine(url)
    upgrade(engine)
    works = Path(path).with_name("works.csv")
    import_file(engine, ColumnMapping("works", source="gen"), works)
    start = time.perf_counter()
    report = import_file(engine, ColumnMapping("events", source="gen"), Path(path))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{report.inserted} {seconds:.2f} {peak_mb:.0f}")


def generate_events(path: Path, n: int) -> None:
    """A synthetic play log (100k members, 20k works) for the memory test only, never for headline results."""
    import random

    rng = random.Random(7)
    with path.with_name("works.csv").open("w") as fh:
        fh.write("key,kind,title\n" + "".join(f"w{i},music,Track {i}\n" for i in range(20_000)))
    with path.open("w") as fh:
        fh.write("member,work,kind,value,timestamp\n")
        base = 1_500_000_000
        for i in range(n):
            fh.write(f"m{rng.randrange(100_000)},w{rng.randrange(20_000)},play,{rng.randrange(1, 50)},{base + i}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("MUSEION_TEST_POSTGRES_URL"))
    parser.add_argument("--stream-events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = raw_rows()
    n_events = len(rows["events"])
    results = []
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        for backend, url in (("SQLite", None), ("PostgreSQL", args.postgres)):
            if backend == "PostgreSQL" and not url:
                continue
            pairs = [(time_raw(url, tmp, rows), time_museion(url, tmp)) for _ in range(args.repeat)]  # interleaved
            raw = best_of(pairs, 0)
            ours = best_of(pairs, 1)
            results.append((backend, ours, raw))
        print(f"\nload average before: {os.getloadavg()[0]:.1f} (2 cores shared); CPU = this process only "
              "(all of SQLite's work; PostgreSQL's server side is not in it)")
        print("\n| ml-latest-small load | Museion s | Museion events/s | raw s | raw events/s | Museion ÷ raw speed "
              "| Museion CPU s | raw CPU s | ÷ by CPU |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for backend, (ours, ours_cpu), (raw, raw_cpu) in results:
            peer = "executemany" if backend == "SQLite" else "COPY"
            print(f"| {backend} (raw = {peer}) | {ours:.2f} | {n_events / ours:,.0f} | {raw:.2f} | {n_events / raw:,.0f} | "
                  f"{raw / ours:.2f}× | {ours_cpu:.2f} | {raw_cpu:.2f} | {raw_cpu / ours_cpu:.2f}× |")
        if args.stream_events:
            path = tmp / "events.csv"
            generate_events(path, args.stream_events)
            size_mb = path.stat().st_size / 2**20
            out = subprocess.run([sys.executable, __file__, "--child", str(path), f"sqlite:///{tmp / 'stream.db'}"],
                                 capture_output=True, text=True, check=True).stdout.split()
            inserted, seconds, peak = int(out[0]), float(out[1]), float(out[2])
            print("\n| streaming import | events | file MB | seconds | events/s | peak RSS MB |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            print(f"| generated CSV → SQLite | {inserted:,} | {size_mb:,.0f} | {seconds:.1f} | {inserted / seconds:,.0f} | {peak:,.0f} |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        stream_child(sys.argv[2], sys.argv[3])
    else:
        main()
