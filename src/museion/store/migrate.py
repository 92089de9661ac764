"""Run Alembic migrations programmatically, so `museion db upgrade` needs no alembic.ini on disk."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from museion.store.engine import sqlite_file
from museion.store.files import touch_private

MIGRATIONS = Path(__file__).parent.parent / "migrations"  # museion/migrations: its env collects every area's tables


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (idempotent); an SQLite database's folder (0700) and file (0600) are created
    here, and only here."""
    if (path := sqlite_file(engine)) is not None:  # personal data: the folder 0700, the file 0600 before SQLite opens it
        touch_private(path)
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), ``+``-joined when branches are applied side by side."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return "+".join(sorted(heads)) or None


def head_revision(engine: Engine) -> str | None:
    """The code's newest revision(s), in the same form as ``current_revision``."""
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    return "+".join(sorted(heads)) or None
