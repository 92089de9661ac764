"""Availability check cost on the serving path (issue 16): `RecommenderService.recommend` on ml-latest-small with the
licence check (``museion.rights.availability.unavailable`` and the candidate mask it feeds) against the same calls
with the check switched off (the peer: serving as it was before licences), same run, same service.

    .venv/bin/python benchmarks/rights_availability_bench.py                    # SQLite (a scratch file)
    .venv/bin/python benchmarks/rights_availability_bench.py --postgres URL     # PostgreSQL (a scratch schema)

The licences are GENERATED (seeded; ``demo`` set, the note says so): ``--licensed`` films (default 3,000 of the 9,742)
get one licence each, in groups of 25 works, with mixed territories (world, GB, US, FR, DE, JP, GB+US) and mixed
windows (running, expired, not yet started, open-ended), so that some hundreds of films are withheld in GB, the
configured territory. Calls alternate (check on, off, on, …) so drift on a shared machine hits both alike; each round
asks top-10 lists for all 610 members. The cold cost (the first request after a licence changes, which recomputes the
withheld set) is timed separately by touching a licence before each of 50 calls.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

from sqlalchemy import Engine, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import museion.recommend.serving as serving_module  # noqa: E402
from museion.catalog.models import Work  # noqa: E402
from museion.datasets.registry import get_dataset  # noqa: E402
from museion.datasets.service import load_dataset  # noqa: E402
from museion.fairness.serving import open_recommender  # noqa: E402
from museion.fairness.service import run_version_audit  # noqa: E402
from museion.privacy.consent import current_purpose, record_many  # noqa: E402
from museion.privacy.models import Member  # noqa: E402
from museion.recommend.training import train  # noqa: E402
from museion.registry.demo import approve_for_demo  # noqa: E402
from museion.rights.availability import Availability, today, unavailable  # noqa: E402
from museion.rights.licence_models import Licence  # noqa: E402
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences  # noqa: E402
from museion.store.base import utcnow  # noqa: E402
from museion.store.engine import make_engine  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MUSEION_DATASETS_DIR", REPO.parent / "shared" / "data"))
ROUNDS = 4
PLACES = (("world",), ("GB",), ("US",), ("FR",), ("DE",), ("JP",), ("GB", "US"))
NOTE = "GENERATED for benchmarks/rights_availability_bench.py; not a real agreement"


def licences(engine: Engine, n_works: int, seed: int) -> int:
    """Record generated licences on ``n_works`` films; returns how many films are withheld in GB today."""
    rng = random.Random(seed)
    day = today()
    with engine.begin() as conn:
        keys = list(conn.scalars(select(Work.key).where(Work.source == "movielens").order_by(Work.id)))
        chosen = rng.sample(keys, min(n_works, len(keys)))
        save_holders(conn, [HolderIn("bench-holder", "Benchmark Rights Holder (generated)")], actor="bench", label="bench")
        rows = []
        for n in range(0, len(chosen), 25):
            window = rng.choice(("running", "running", "running", "expired", "future", "open"))
            starts = day - timedelta(days=400) if window != "future" else day + timedelta(days=30)
            ends = {"running": day + timedelta(days=rng.randint(1, 365)), "expired": day - timedelta(days=rng.randint(1, 60)),
                    "future": day + timedelta(days=400), "open": None}[window]
            rows.append(LicenceIn(f"bench-{n // 25}", "bench-holder", tuple(chosen[n:n + 25]), rng.choice(PLACES),
                                  ("display", "stream"), starts, ends, note=NOTE, demo=True))
        save_licences(conn, rows, actor="bench", label="bench")
        return len(unavailable(conn, "display").blocked)


def prepare(engine: Engine, home: Path, n_works: int, seed: int) -> tuple[list[str], int]:
    upgrade(engine)
    dataset = get_dataset("movielens-latest-small")
    load_dataset(engine, dataset, dataset.locate(DATASETS), actor="bench")
    with engine.begin() as conn:
        members = list(conn.execute(select(Member.id, Member.key).where(Member.source == "movielens")))
        record_many(conn, [m.id for m in members], current_purpose(conn, "personalisation"), granted=True,
                    notice_version="bench", source="bench")
    version = train(engine, home, "ease", source="movielens", actor="bench", params={"l2": 200.0})
    run_version_audit(engine, home, version.id, actor="bench")  # a version is approved only with its fairness audit
    with engine.begin() as conn:
        approve_for_demo(conn, home, version.id)
    return [m.key for m in members], licences(engine, n_works, seed)


def ms(values: list[float], q: float = 0.5) -> float:
    return 1000 * statistics.quantiles(values, n=100)[round(q * 100) - 1]


def measure(engine: Engine, home: Path, keys: list[str], withheld: int, n_works: int) -> None:
    service = open_recommender(engine, home)
    for key in keys[:50]:  # warm caches and the connection pool
        service.recommend(key, 10, actor="bench", log=False)
    checked, unchecked = [], []
    real = serving_module.unavailable
    with engine.connect() as conn:
        blocked = real(conn, "display").blocked

    def off(conn: object, use: str, where: str | None = None, day: object = None) -> Availability:
        return Availability(use, "GB", today(), frozenset())  # the peer: no licence decides anything

    leaked = 0
    for round_ in range(ROUNDS):
        for n, key in enumerate(keys):
            on = (n + round_) % 2 == 0  # every other call, so drift hits both alike; each member gets both
            serving_module.unavailable = real if on else off
            start = time.perf_counter()
            served = service.recommend(key, 10, actor="bench", log=False)
            (checked if on else unchecked).append(time.perf_counter() - start)
            if on:
                leaked += sum(1 for item in served.items if item.work_id in blocked)
    serving_module.unavailable = real
    cold = []
    for key in keys[:50]:
        with engine.begin() as conn:  # a licence changes: the next request recomputes the withheld set
            conn.execute(update(Licence).where(Licence.key == "bench-0").values(updated_at=utcnow()))
        start = time.perf_counter()
        service.recommend(key, 10, actor="bench", log=False)
        cold.append(time.perf_counter() - start)
    with engine.connect() as conn:
        lookups = []
        for _ in range(2000):
            start = time.perf_counter()
            unavailable(conn, "display")
            lookups.append(time.perf_counter() - start)

    print(f"\n{engine.dialect.name}: {len(checked):,} recommend() calls with the availability check and {len(unchecked):,} "
          f"without (top-10, EASE, {len(keys)} members × {ROUNDS} rounds, alternating; staff previews, not logged). "
          f"GENERATED licences on {n_works:,} films; {withheld:,} withheld in GB today; withheld works served: {leaked}")
    print("| | median ms | p99 ms |")
    print("| --- | ---: | ---: |")
    print(f"| recommend() with the check (cached withheld set) | {ms(checked):.3f} | {ms(checked, 0.99):.3f} |")
    print(f"| recommend() without it (peer) | {ms(unchecked):.3f} | {ms(unchecked, 0.99):.3f} |")
    print(f"| recommend() right after a licence change (recomputed, 50 calls) | {ms(cold):.3f} | {ms(cold, 0.99):.3f} |")
    print(f"| `unavailable()` alone, cached (2,000 calls) | {ms(lookups):.3f} | {ms(lookups, 0.99):.3f} |")
    print(f"\nadded p99 per request: {ms(checked, 0.99) - ms(unchecked, 0.99):.3f} ms "
          f"(ratio of p99s {ms(checked, 0.99) / ms(unchecked, 0.99):.2f}); added median: "
          f"{ms(checked) - ms(unchecked):.3f} ms (ratio {ms(checked) / ms(unchecked):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="A PostgreSQL URL; a scratch schema is created and dropped.")
    parser.add_argument("--licensed", type=int, default=3000, help="How many films get a generated licence.")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if not args.postgres:
            engine = make_engine(f"sqlite:///{tmp}/availability.db")
            measure(engine, home, *prepare(engine, home, args.licensed, args.seed), args.licensed)
            return
        schema = f"availability_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
            engine = make_engine(url.render_as_string(hide_password=False))
            measure(engine, home, *prepare(engine, home, args.licensed, args.seed), args.licensed)
            engine.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
