"""Shared fixtures: a migrated database on every backend (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from helpers import PG_SKIP, PG_URL, create_pg_schema, datasets_dir, drop_pg_schema
from museion.migrations.schema import metadata
from museion.privacy.access import guard
from museion.store.engine import make_engine
from museion.store.migrate import upgrade


@pytest.fixture(scope="session", autouse=True)
def _gate_guard() -> Iterator[None]:
    """The whole suite runs with the gate guard: any statement on a personal-data table outside the privacy
    gate fails the test that made it (tests that inspect the store say so with ``helpers.inspecting``)."""
    undo = guard()
    yield
    undo()


@pytest.fixture(autouse=True)
def _private_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A home of the test's own, fixed audit, pseudonym and erasure keys and a per-test witness file, so no test reads or
    writes the real MUSEION_HOME (the default home is the user's, shared with `make run`)."""
    from museion.config import get_settings

    monkeypatch.setenv("MUSEION_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MUSEION_AUDIT_KEY", "museion-test-audit-key-0123456789abcdef")
    monkeypatch.setenv("MUSEION_PSEUDONYM_KEY", "bXVzZWlvbi10ZXN0LXBzZXVkb255bS1rZXktMDEyMzQ1Njc=")
    monkeypatch.setenv("MUSEION_ERASURE_KEY", "bXVzZWlvbi10ZXN0LWVyYXN1cmUta2V5LTAxMjM0NTY3ODk=")
    monkeypatch.setenv("MUSEION_AUDIT_WITNESS", str(tmp_path / "audit-witness"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fast argon2 settings for tests that sign in or set passwords hundreds of times."""
    from argon2 import PasswordHasher

    from museion.security import auth

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "PASSWORDS", cheap)
    monkeypatch.setattr(auth, "TOKENS", cheap)
    auth._dummy_hash.cache_clear()
    yield
    auth._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "museion.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema, url = create_pg_schema()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    drop_pg_schema(schema)


SEEDED = {"purposes"}  # rows the migrations seed: keep version 1, drop what tests added


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(t.name for t in metadata.sorted_tables if t.name not in SEEDED)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM purposes WHERE version > 1"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """The URL of an empty, migrated database; every test using it runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "museion.db"
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("pg_migrated")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def museion_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the CLI and app settings at this test's database."""
    from museion.config import get_settings

    monkeypatch.setenv("MUSEION_DATABASE_URL", db_url)
    monkeypatch.setenv("MUSEION_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MUSEION_DATASETS_DIR", str(datasets_dir()))
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


SAMPLE_CREATORS = "key,name,gender,birth_year\nc1,Michael Mann,Male,1943\nc2,Agnès Varda,Female,1928\n"
SAMPLE_WORKS = (
    "key,kind,title,year,genres,subjects,creators\n"
    "1,film,Heat,1995,Crime|Drama,,c1\n"
    "2,film,Cléo from 5 to 7,1962,Drama,Paris,c2\n"
    "3,artwork,=1+1 (a formula-looking title),1929,painting,sea|boat,\n"
    "4,book,Collected Essays,2001,,,\n"
)


@pytest.fixture
def sample_catalogue(engine: Engine, tmp_path: Path) -> Engine:
    """Four works, two creators and a few events: enough to exercise queries, pages and exports."""
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    for name, text_ in (("creators", SAMPLE_CREATORS), ("works", SAMPLE_WORKS),
                        ("events", "member,work,kind,value\nm1,1,rating,4.5\nm2,2,view,\n")):
        path = tmp_path / f"{name}.csv"
        path.write_text(text_, encoding="utf-8")
        import_file(engine, ColumnMapping(name, source="demo"), path, keep_member_ids=True)
    return engine
