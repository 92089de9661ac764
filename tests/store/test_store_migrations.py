"""Migrations: the schema Alembic builds is exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from helpers import PG_SKIP, PG_URL, create_pg_schema, drop_pg_schema
from museion.migrations.schema import metadata
from museion.store.engine import make_engine
from museion.store.migrate import current_revision, head_revision, upgrade


def check_migrated_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        upgrade(engine)  # idempotent
        assert current_revision(engine) == head_revision(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diff == []
        assert {"works", "creators", "credits", "work_terms", "members", "events", "import_runs"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    check_migrated_schema(f"sqlite:///{tmp_path / 'm.db'}")


def test_postgres_migrations_match_models() -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema, url = create_pg_schema()
    try:
        check_migrated_schema(url)
    finally:
        drop_pg_schema(schema)
