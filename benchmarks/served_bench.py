"""Cost of logging every served list: `RecommenderService.recommend` on ml-latest-small with the served-list
INSERT (and the member-controls reads) against the same calls with the INSERT switched off, same run.

    .venv/bin/python benchmarks/served_bench.py                      # SQLite (a scratch file)
    .venv/bin/python benchmarks/served_bench.py --postgres URL       # PostgreSQL (a scratch schema)

Calls alternate (logging on, off, on, …) so drift on a shared machine hits both alike; each round asks
for top-10 lists for all 610 members, and over two rounds every member is served both ways. The
INSERT's own transaction is also timed directly.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

from sqlalchemy import Engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import museion.recommend.serving as serving_module  # noqa: E402
from museion.datasets.registry import get_dataset  # noqa: E402
from museion.datasets.service import load_dataset  # noqa: E402
from museion.fairness.serving import open_recommender  # noqa: E402
from museion.privacy.consent import current_purpose, record_many  # noqa: E402
from museion.privacy.models import (
    Member,  # noqa: E402
    ServedEntry,  # noqa: E402
)
from museion.privacy.served import log_served  # noqa: E402
from museion.recommend.training import train  # noqa: E402
from museion.registry.demo import approve_for_demo  # noqa: E402
from museion.store.engine import make_engine  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MUSEION_DATASETS_DIR", REPO.parent / "shared" / "data"))
ROUNDS = 6


def prepare(engine: Engine, home: Path) -> list[str]:
    upgrade(engine)
    dataset = get_dataset("movielens-latest-small")
    load_dataset(engine, dataset, dataset.locate(DATASETS), actor="bench")
    with engine.begin() as conn:
        members = list(conn.execute(select(Member.id, Member.key).where(Member.source == "movielens")))
        record_many(conn, [m.id for m in members], current_purpose(conn, "personalisation"), granted=True,
                    notice_version="bench", source="bench")
    version = train(engine, home, "ease", source="movielens", actor="bench", params={"l2": 200.0})
    with engine.begin() as conn:
        approve_for_demo(conn, home, version.id)
    return [m.key for m in members]


def measure(engine: Engine, home: Path, keys: list[str]) -> None:
    service = open_recommender(engine, home)
    for key in keys[:50]:  # warm caches and the connection pool
        service.recommend(key, 10, actor="bench")
    logged, unlogged = [], []
    real = serving_module.log_served
    def skip(conn: object, **_: object) -> None:
        return None

    for round_ in range(ROUNDS):
        for n, key in enumerate(keys):
            on = (n + round_) % 2 == 0  # every other call, so drift hits both alike; each member gets both
            serving_module.log_served = real if on else skip
            start = time.perf_counter()
            service.recommend(key, 10, actor="bench")
            (logged if on else unlogged).append(time.perf_counter() - start)
    serving_module.log_served = real
    with engine.connect() as conn:
        member_id = conn.scalar(select(Member.id).limit(1))
        rows = conn.scalar(select(func.count()).select_from(ServedEntry))
    inserts = []
    works = list(range(1, 11))
    for _ in range(2000):
        start = time.perf_counter()
        with engine.begin() as conn:
            log_served(conn, member_id=member_id, model_version_id=service.version.id, personalised=True,
                       not_personalised_because=None, work_ids=works)
        inserts.append(time.perf_counter() - start)

    def ms(values: list[float], q: float = 0.5) -> float:
        return 1000 * statistics.quantiles(values, n=100)[round(q * 100) - 1]

    print(f"\n{engine.dialect.name}: {len(logged):,} logged and {len(unlogged):,} unlogged recommend() calls "
          f"(top-10, EASE, {len(keys)} members × {ROUNDS} rounds, alternating); served_lists held {rows:,} rows")
    print("| | median ms | p99 ms |")
    print("| --- | ---: | ---: |")
    print(f"| recommend() with the served-list INSERT | {ms(logged):.3f} | {ms(logged, 0.99):.3f} |")
    print(f"| recommend() without it | {ms(unlogged):.3f} | {ms(unlogged, 0.99):.3f} |")
    print(f"| the INSERT transaction alone (2,000 times) | {ms(inserts):.3f} | {ms(inserts, 0.99):.3f} |")
    print(f"\nadded per request (median difference): {ms(logged) - ms(unlogged):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="A PostgreSQL URL; a scratch schema is created and dropped.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if not args.postgres:
            engine = make_engine(f"sqlite:///{tmp}/served.db")
            measure(engine, home, prepare(engine, home))
            return
        schema = f"served_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
            engine = make_engine(url.render_as_string(hide_password=False))
            measure(engine, home, prepare(engine, home))
            engine.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
