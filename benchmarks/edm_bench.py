"""Europeana Data Model (issue 22): EDM export throughput (RDF/XML and JSON-LD, streamed in batches from the store)
and SHACL validation plus tiers throughput over the Tate and MoMA samples, the share of works passing the shapes by
source, beside the peer: the catalogue's existing schema.org JSON-LD export (catalog/export.py write_jsonld) of the
same works in the same run.

    .venv/bin/python benchmarks/edm_bench.py [--works 5000]

Both datasets are loaded through their adapters into a temporary SQLite store (MoMA's shared sample holds its
artists only: it adds creators, not works). ``--works`` keeps the first N Tate works (by id) for every measurement.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

from sqlalchemy import delete, func, select  # noqa: E402

from museion.catalog.export import write_jsonld  # noqa: E402
from museion.catalog.models import Creator, Work  # noqa: E402
from museion.datasets.registry import get_dataset  # noqa: E402
from museion.datasets.service import load_dataset  # noqa: E402
from museion.heritage import edm_report  # noqa: E402
from museion.heritage.edm_service import write  # noqa: E402
from museion.store.engine import make_engine, session_scope  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MUSEION_DATASETS_DIR", REPO.parent / "shared" / "data"))
BASE = "https://museion.example"


def timed(run):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = run()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=5000, help="keep the first N Tate works (0: all 69,202)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/edm.db")
        upgrade(engine)
        for name in ("tate", "moma"):
            dataset = get_dataset(name)
            _, seconds = timed(lambda d=dataset: load_dataset(engine, d, d.locate(DATASETS), actor="bench"))
            print(f"loaded {name} in {seconds:.0f} s")
        if args.works:
            with engine.begin() as conn:  # the same first N works for every measurement
                cutoff = conn.scalar(select(Work.id).where(Work.source == "tate").order_by(Work.id).offset(args.works - 1).limit(1))
                if cutoff is not None:
                    conn.execute(delete(Work).where(Work.id > cutoff))
        with engine.connect() as conn:
            works = dict(conn.execute(select(Work.source, func.count()).group_by(Work.source)).all())
            creators = dict(conn.execute(select(Creator.source, func.count()).group_by(Creator.source)).all())
        print(f"works by source {works}; creators by source {creators}")

        rows = []
        for label, fmt in (("EDM RDF/XML", "rdfxml"), ("EDM JSON-LD", "jsonld")):
            out = io.BytesIO()
            with session_scope(engine) as session:
                n, seconds = timed(lambda o=out, f=fmt, s=session: write(s, o, f, BASE))
            rows.append((label, n, seconds, len(out.getvalue())))
        text = io.StringIO()
        with session_scope(engine) as session:
            n, seconds = timed(lambda: write_jsonld(session, text))
        peer = ("schema.org JSON-LD (peer)", n, seconds, len(text.getvalue().encode()))

        print("\n| export | works | seconds | works/s | MB | time ÷ peer |\n| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, n, seconds, size in [*rows, peer]:
            print(f"| {label} | {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {size / 1e6:.1f} | {seconds / peer[2]:.1f}× |")

        with session_scope(engine) as session:
            report, seconds = timed(lambda: edm_report.check(session, BASE))
        print(f"\nSHACL (pyshacl) + tiers: {report['works']:,} works in {seconds:.1f} s = {report['works'] / seconds:,.0f} works/s"
              f" (peer export: {peer[1] / peer[2]:,.0f} works/s; check time ÷ peer time per work "
              f"{(seconds / report['works']) / (peer[2] / peer[1]):.0f}×)")
        print("\n| source | works | pass SHACL | share | metadata tiers | content tiers | commonest violation |\n"
              "| --- | ---: | ---: | ---: | --- | --- | --- |")
        for name, s in report["by_source"].items():
            top = next(iter(s["violations"].items()), ("none", 0))
            print(f"| {name} | {s['works']:,} | {s['passing']:,} | {s['share_passing']:.1%} | {s['metadata']} | {s['content']} "
                  f"| {top[0]} ({top[1]:,}) |")
        for name in ("moma",):
            if name not in report["by_source"]:
                print(f"| {name} | 0 | – | – | – | – | the shared sample holds artists only |")


if __name__ == "__main__":
    main()
