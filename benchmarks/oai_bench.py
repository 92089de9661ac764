"""OAI-PMH (issue 22): a full harvest of the sample Tate works through the provider by an independent client (sickle)
on loopback, against a floor measured in the same run.

    .venv/bin/python benchmarks/oai_bench.py [--data ../shared/data] [--datasets tate] [--db PATH] [--prefix oai_dc]

The datasets are loaded through their adapters into a temporary SQLite database (``--db`` reuses one already loaded;
``--datasets tate,moma,movielens-latest-small`` gives the 78,944 sample works). The app runs under uvicorn in a child
process (no job workers) and sickle harvests ListRecords from it, following every resumption token. Reported:
records/s, the server's peak resident memory (psutil, polled every 50 ms) over its memory before the harvest, and
whether the harvested set equals the catalogue (count, and a SHA-256 per record of key, title, date, kind and creators,
compared as a set). The floor is the same rows read by one direct SQL select per batch and serialised as oai_dc
records with lxml in this process: no HTTP, no protocol, no tokens — what any provider must at least do.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("MUSEION_AUDIT_KEY", "museion-benchmark-audit-key-0123456789abcdef")

import psutil  # noqa: E402
from lxml import etree  # noqa: E402
from sickle import Sickle  # noqa: E402
from sqlalchemy import select  # noqa: E402

from museion.catalog.models import Creator, Credit, Work  # noqa: E402
from museion.datasets.registry import get_dataset  # noqa: E402
from museion.datasets.service import load_dataset  # noqa: E402
from museion.heritage.oai_xml import DC, OAI, OAI_DC, OAI_DC_XSD, SCHEMA_LOCATION, XSI, xml_text  # noqa: E402
from museion.store.engine import make_engine  # noqa: E402
from museion.store.migrate import upgrade  # noqa: E402

SERVER = """
import sys, uvicorn
from museion.server import create_app
from museion.store.engine import make_engine
uvicorn.run(create_app(make_engine(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def digest(key: str, title: str, date: str, kind: str, creators: list[str]) -> str:
    return hashlib.sha256("\x1f".join([key, title, date, kind, "|".join(creators)]).encode()).hexdigest()


def catalogue(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        names: dict[int, list[str]] = {}
        for wid, name in conn.execute(select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id)
                                      .order_by(Credit.work_id, Credit.position)):
            names.setdefault(wid, []).append(name)
        out = {digest(k, t, d or ("" if y is None else str(y)), kind, names.get(i, []))
               for i, k, t, d, y, kind in conn.execute(select(Work.id, Work.key, Work.title, Work.date_text, Work.year, Work.kind))}
    engine.dispose()
    return out


def floor(url: str, batch: int = 2000) -> tuple[int, float]:
    """Every work with its creators by direct SQL (keyset batches), each written as an oai_dc record with lxml."""
    engine = make_engine(url)
    started, n, last, size = time.perf_counter(), 0, 0, 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(select(Work.id, Work.key, Work.title, Work.date_text, Work.year, Work.kind, Work.medium,
                                       Work.updated_at).where(Work.id > last).order_by(Work.id).limit(batch)).all()
            if not rows:
                break
            names: dict[int, list[str]] = {}
            for wid, name in conn.execute(select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id)
                                          .where(Credit.work_id.in_([r[0] for r in rows])).order_by(Credit.position)):
                names.setdefault(wid, []).append(name)
            page = etree.Element(f"{{{OAI}}}ListRecords", nsmap={None: OAI})
            for wid, key, title, date_text, year, kind, medium, updated in rows:
                record = etree.SubElement(page, f"{{{OAI}}}record")
                head = etree.SubElement(record, f"{{{OAI}}}header")
                etree.SubElement(head, f"{{{OAI}}}identifier").text = f"oai:museion.local:{key}"
                etree.SubElement(head, f"{{{OAI}}}datestamp").text = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
                dc = etree.SubElement(etree.SubElement(record, f"{{{OAI}}}metadata"), f"{{{OAI_DC}}}dc",
                                      nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
                dc.set(SCHEMA_LOCATION, f"{OAI_DC} {OAI_DC_XSD}")
                for tag, value in (("title", title), *(("creator", c) for c in names.get(wid, [])),
                                   ("date", date_text or year), ("type", kind), ("format", medium)):
                    if value is not None:
                        etree.SubElement(dc, f"{{{DC}}}{tag}").text = xml_text(value)
            size += len(etree.tostring(page, encoding="UTF-8"))
            n += len(rows)
            last = rows[-1][0]
    engine.dispose()
    return n, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    p.add_argument("--datasets", default="tate", help="comma-separated: tate, moma, movielens-latest-small")
    p.add_argument("--db", type=Path, help="an SQLite database with the datasets already loaded")
    p.add_argument("--prefix", default="oai_dc", choices=("oai_dc", "edm"))
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="oai-bench-"))
    os.environ.setdefault("MUSEION_HOME", str(tmp / "home"))
    db = args.db or tmp / "bench.db"
    url = f"sqlite:///{db}"
    if args.db is None:
        engine = make_engine(url)
        upgrade(engine)
        t = time.perf_counter()
        for name in args.datasets.split(","):
            load_dataset(engine, get_dataset(name), args.data / name)
        engine.dispose()
        print(f"loaded {args.datasets} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    expected = catalogue(url)

    port = free_port()
    env = {**os.environ, "MUSEION_JOBS_WORKERS": "0", "MUSEION_DATABASE_URL": url}
    server = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)], env=env)
    proc = psutil.Process(server.pid)
    base = f"http://127.0.0.1:{port}/oai"
    client = Sickle(base, max_retries=0, timeout=600)
    for _ in range(300):
        try:
            client.Identify()
            break
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(0.1)
    idle = proc.memory_info().rss
    peak = [idle]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        started = time.perf_counter()
        harvested, deleted = set(), 0
        for record in client.ListRecords(metadataPrefix=args.prefix, ignore_deleted=False):
            if record.deleted:
                deleted += 1
                continue
            key = record.header.identifier.removeprefix("oai:museion.local:")
            if args.prefix == "oai_dc":
                m = record.metadata
                harvested.add(digest(key, m["title"][0], (m.get("date") or [""])[0], m["type"][0], m.get("creator", [])))
            else:
                harvested.add(key)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        watcher.join()
        server.terminate()
        server.wait(30)
    count = len(harvested)
    floor_n, floor_s = floor(url)
    same = harvested == expected if args.prefix == "oai_dc" else count == len(expected)
    rate, floor_rate = count / seconds, floor_n / floor_s
    print(f"\nOAI-PMH full harvest ({args.datasets}, {args.prefix}, {len(expected):,} works in the catalogue)\n")
    print("| run | records | seconds | records/s | server peak RSS | harvested == catalogue |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    print(f"| sickle ListRecords over HTTP (provider) | {count:,} | {seconds:.1f} | {rate:,.0f} | "
          f"{peak[0] / 2**20:,.0f} MiB ({(peak[0] - idle) / 2**20:+,.0f} over idle) | "
          f"{'yes' if same else 'NO'} (count {count:,} vs {len(expected):,}; {deleted} deleted) |")
    print(f"| floor: direct SQL + lxml oai_dc, in process | {floor_n:,} | {floor_s:.1f} | {floor_rate:,.0f} | – | – |")
    print(f"\nprovider / floor throughput: {rate / floor_rate:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
