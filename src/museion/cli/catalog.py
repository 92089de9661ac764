"""`museion catalog stats` and `museion export works`: inspect the catalogue and export it in open formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from museion import audit
from museion.cli import context
from museion.cli.output import console, err_console, friendly_errors, print_json
from museion.errors import MuseionError
from museion.store.engine import session_scope

catalog_app = typer.Typer(help="Inspect the catalogue.", no_args_is_help=True)
export_app = typer.Typer(help="Export data in open formats.", no_args_is_help=True)


@catalog_app.command("stats")
@friendly_errors
def catalog_stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts of works, creators, members and events by kind and source."""
    from museion.ingest.stats import store_stats

    with context.engine().begin() as conn:  # the audience counts leave an access record
        stats = store_stats(conn, actor=context.CLI_ACTOR)
    if as_json:
        print_json(stats)
        return
    table = Table(title="catalogue")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("works", "creators", "credits", "members", "events", "imports"):
        table.add_row(key, f"{stats[key]:,}")
    for group in ("works_by_kind", "works_by_source", "creators_by_source", "events_by_kind", "terms_by_vocabulary"):
        for k, v in stats[group].items():  # None: a count of too few members to publish
            table.add_row(f"{group.replace('_by_', ' · ')} {k}", "suppressed" if v is None else f"{v:,}")
    console.print(table)


@export_app.command("works")
@friendly_errors
def export_works(
    fmt: Annotated[str, typer.Option("--format", help="jsonld (schema.org + Dublin Core) or csv.")] = "jsonld",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
) -> None:
    """Export every work. CSV cells that a spreadsheet would run as formulas are neutralised."""
    if fmt not in ("jsonld", "csv"):
        raise MuseionError(f"unknown format {fmt!r}; use jsonld or csv")
    engine = context.engine()
    if output is None:
        with session_scope(engine) as session:
            _write_works(session, fmt, sys.stdout)
        return
    partial = output.with_name(output.name + ".partial")
    with session_scope(engine) as session, partial.open("w", encoding="utf-8", newline="") as out:
        n = _write_works(session, fmt, out)
    partial.replace(output)  # never leave a half-written export under the real name
    err_console.print(f"wrote {n:,} works to {output}")


def _write_works(session: Session, fmt: str, out: TextIO) -> int:
    """Write every work in ``fmt`` and record the export in the audit chain; returns how many."""
    from museion.catalog.export import write_csv, write_jsonld
    from museion.rights.availability import unavailable

    hidden = unavailable(session.connection(), "reproduce").blocked  # only works licensed for reproduction here and now
    if fmt == "jsonld":  # creators' sameAs also names the records curators decided are the same person
        from museion.heritage.creator_links import linked_uris

        n = write_jsonld(session, out, hidden, linked_uris(session.connection()))
    else:
        n = write_csv(session, out, hidden)
    audit.record(session.connection(), actor=context.CLI_ACTOR, action="export.works", target=f"format:{fmt}",
                 details={"rows": n, "withheld": len(hidden)})
    return n
