"""`museion rights`: near-duplicate records in the catalogue, queued for curators, and the links they decided."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, show_rows
from museion.rights import matching

rights_app = typer.Typer(help="Rights management: near-duplicate catalogue records go to curators in the collaboration "
                              "queue (`museion queue list --kind rights.duplicate`); their decisions become links.",
                         no_args_is_help=True, rich_markup_mode="markdown")


@rights_app.command("duplicates")
@friendly_errors
def duplicates(
    source: Annotated[str | None, typer.Option(help="Only works of this source (e.g. tate); default: every source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Propose at most this many new pairs, most similar first.")] = 50,
    threshold: Annotated[float | None, typer.Option(min=0.05, max=1.0, help="Similarity from which to propose (default: "
                                                    "learned from curators' decisions, at least 0.7).")] = None,
) -> None:
    """Scan the catalogue for near-duplicate records (MinHash over title, creators and medium) and queue new pairs."""
    with context.engine().begin() as conn:
        found = matching.scan(conn, source=source, limit=limit, threshold=threshold)
    console.print(f"{found.records:,} records scanned at similarity ≥ {found.threshold:.2f}: {found.matches:,} new pairs, "
                  f"{len(found.proposed)} queued for curators (`museion queue list --kind rights.duplicate`)")


@rights_app.command("links")
@friendly_errors
def links(limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Links between records that curators decided: same_as, related or distinct."""
    with context.engine().connect() as conn:
        rows = matching.links(conn, limit=limit)
    show_rows(rows, as_json=as_json, title="record links", columns={
        "work": lambda r: f"{r['work']} {r['work_title']}", "relation": lambda r: r["relation"],
        "other": lambda r: f"{r['other_work']} {r['other_title']}", "decided by": lambda r: r["decided_by"],
        "proposal": lambda r: r["proposal_id"]})
