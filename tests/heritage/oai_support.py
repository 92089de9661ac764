"""Shared by the OAI-PMH tests: a small generated catalogue (labelled generated: 23 works of three kinds by four
creators), a live server on loopback, and the checksum both sides of a harvest are compared by."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, select

from museion.catalog.models import Creator, Credit, Work
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping

KINDS = ("film", "book", "artwork")


def generated_catalogue(engine: Engine, folder: Path, *, works: int = 23, source: str = "gen") -> Engine:
    """GENERATED test data: ``works`` works cycling through three kinds, each credited to one of four creators."""
    creators = folder / "gen_creators.csv"
    creators.write_text("key,name,birth_year\n" + "".join(f"c{i},Maker {i},{1900 + i}\n" for i in range(4)), encoding="utf-8")
    rows = "".join(f"w{i:03d},{KINDS[i % 3]},Generated work {i},{1950 + i},Genre {i % 2},subject {i % 5},c{i % 4}\n"
                   for i in range(works))
    path = folder / "gen_works.csv"
    path.write_text("key,kind,title,year,genres,subjects,creators\n" + rows, encoding="utf-8")
    import_file(engine, ColumnMapping("creators", source=source), creators)
    import_file(engine, ColumnMapping("works", source=source), path)
    return engine


def digest(key: str, title: str, date: str, kind: str, creators: list[str]) -> str:
    return hashlib.sha256("\x1f".join([key, title, date, kind, "|".join(creators)]).encode()).hexdigest()


def catalogue_digests(engine: Engine, hidden: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    """key → checksum of every work in the store, read straight from the tables."""
    with engine.connect() as conn:
        names: dict[int, list[str]] = {}
        for wid, name in conn.execute(select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id)
                                      .order_by(Credit.work_id, Credit.position)):
            names.setdefault(wid, []).append(name)
        return {key: digest(key, title, date_text or ("" if year is None else str(year)), kind, names.get(wid, []))
                for wid, key, title, date_text, year, kind in conn.execute(
                    select(Work.id, Work.key, Work.title, Work.date_text, Work.year, Work.kind)) if key not in hidden}


def dc_digest(key: str, metadata: dict[str, list[str]]) -> str:
    """The same checksum from a harvested oai_dc record (as sickle reads it)."""
    return digest(key, metadata["title"][0], (metadata.get("date") or [""])[0], metadata["type"][0], metadata.get("creator", []))


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port for the block; yields its base address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
