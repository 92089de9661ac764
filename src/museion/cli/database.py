"""`museion init` and `museion db …`: create the database and move its schema with Alembic migrations; name the
organisation and choose its review policy."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors
from museion.registry.disclosure import name_organisation, organisation_name
from museion.registry.policy import NAMED_POLICIES, adopt, load_policy, needs_writing
from museion.store.engine import sqlite_file
from museion.store.migrate import current_revision, head_revision, upgrade

db_app = typer.Typer(help="Database schema: migrations with Alembic.", no_args_is_help=True)


@friendly_errors
def init(
    org: Annotated[str | None, typer.Option("--org", help="Your organisation's name, as the public disclosure and the "
                                                          "regulators' filing pack give it.")] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="The review policy: small (one colleague who is not the "
                                                                "author, plus the privacy officer) or standard (four "
                                                                "reviewers in four capacities, the default).")] = None,
) -> None:
    """Create the database (a SQLite file in MUSEION_HOME unless MUSEION_DATABASE_URL is set) at the latest schema;
    with --org and --policy, name the organisation and choose who must approve a model version. Safe to run again."""
    home = context.home()
    name = organisation_name(org) if org is not None else None  # bad input is refused before anything is created
    if policy is not None:
        needs_writing(home, policy)
    engine = context.raw_engine()
    upgrade(engine)
    console.print(f"database ready at {engine.url.render_as_string()} (schema {current_revision(engine)})")
    if name is not None:
        console.print(f"organisation: {name} (recorded in {name_organisation(home, name)})", highlight=False)
    if policy is not None:
        with engine.begin() as conn:
            written = adopt(conn, home, policy, actor=context.CLI_ACTOR)
        console.print(f"review policy {policy!r} written to {written}" if written else f"review policy {policy!r} already in force")
    chosen = load_policy(home)
    console.print(f"review policy: {chosen.name} ({chosen.min_approvals} approval(s) covering "
                  f"{', '.join(chosen.required_capacities)}; see `museion review policy`; Museion ships "
                  f"{' and '.join(NAMED_POLICIES)})", highlight=False)
    console.print("Next: load your files (`museion ingest --help`), then `museion doctor` says what is missing", highlight=False)


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
    missing = sqlite_file(engine)
    if missing is not None and not missing.is_file():  # looking must not create it
        console.print(f"database: none at {missing}; code: {head_revision(engine)} (create it with `museion init`)")
        return
    console.print(f"database: {current_revision(engine) or 'not initialised'} at "
                  f"{engine.url.render_as_string(hide_password=True)}; code: {head_revision(engine)}")
