"""`museion init` and `museion db …`: create the database and move its schema with Alembic migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors
from museion.store.migrate import current_revision, head_revision, upgrade

db_app = typer.Typer(help="Database schema: migrations with Alembic.", no_args_is_help=True)


@friendly_errors
def init() -> None:
    """Create the database (a SQLite file in MUSEION_HOME unless MUSEION_DATABASE_URL is set) at the latest schema."""
    engine = context.raw_engine()
    upgrade(engine)
    console.print(f"database ready at {engine.url.render_as_string()} (schema {current_revision(engine)})")


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    engine = context.raw_engine()
    upgrade(engine, revision)
    console.print(f"schema at {current_revision(engine)}")


@db_app.command("current")
@friendly_errors
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    engine = context.raw_engine()
    console.print(f"database: {current_revision(engine) or 'not initialised'}; code: {head_revision(engine)}")
