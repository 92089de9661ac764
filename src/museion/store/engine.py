"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from museion.store.files import owner_only


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache: large imports insert into a unique index of random hashes, which thrashes
    # SQLite's 2 MiB default once the events table outgrows it.
    cur.execute("PRAGMA cache_size=-65536")
    files = [row[2] for row in cur.execute("PRAGMA database_list") if row[2]]
    cur.close()
    for name in files:  # SQLite gives new WAL and shared-memory files the database file's mode; older ones are fixed here
        for suffix in ("", "-wal", "-shm"):
            owner_only(Path(name + suffix))


def sqlite_file(engine_or_url: Engine | str) -> Path | None:
    """The file of an SQLite database (None for other backends and in-memory databases)."""
    parsed = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """Create an engine (connecting lazily; for SQLite, with foreign keys enforced). Nothing is created on disk
    until a connection opens: `museion.store.migrate.upgrade` makes the folder, `ready_engine` refuses a missing file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def dialect_insert(conn: Connection):  # type: ignore[no-untyped-def]
    """The dialect's INSERT construct (PostgreSQL's or SQLite's), for ON CONFLICT clauses both support."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
