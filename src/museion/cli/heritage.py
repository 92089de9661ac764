"""`museion heritage creators`: the same person across sources, matched by name and dates (and shared Wikidata/ULAN
ids), queued for curators (`museion queue list --kind heritage.same_creator`); their decisions become creator links."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, show_rows
from museion.heritage import creator_links

heritage_app = typer.Typer(help="Heritage standards: linked-data identifiers and the same creator across sources.",
                           no_args_is_help=True, rich_markup_mode="markdown")
creators_app = typer.Typer(help="Creators across sources: match them for curators to decide, and list the links they decided.",
                           no_args_is_help=True, rich_markup_mode="markdown")
heritage_app.add_typer(creators_app, name="creators")


@creators_app.command("match")
@friendly_errors
def match(
    sources: Annotated[str, typer.Option(help="Two sources to match against each other (or one, within itself).")] = "tate,moma",
    threshold: Annotated[float | None, typer.Option(min=0.05, max=1.0, help="Score from which to propose (default: the "
                                                    "threshold chosen on the labelled Tate–MoMA sample).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Queue at most this many new pairs, best first.")] = 500,
) -> None:
    """Score creators of two sources by name and dates, and queue new pairs for curators (nothing is merged)."""
    with context.engine().begin() as conn:
        found = creator_links.scan(conn, sources.split(","), threshold=threshold, limit=limit)
    counts = ", ".join(f"{n:,} {s}" for s, n in found["creators"].items())
    console.print(f"{counts} creators at score ≥ {found['threshold']:.2f}: {found['pairs']:,} new pairs "
                  f"({found['identifier_matches']} sharing a Wikidata or ULAN id), {len(found['proposed'])} queued for "
                  f"curators (`museion queue list --kind {creator_links.KIND}`)")


@creators_app.command("links")
@friendly_errors
def links(relation: Annotated[str | None, typer.Option(help="same_person or distinct; default: both.")] = None,
          limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Creator links curators decided: the same person, or records that only look alike."""
    if relation not in (None, "same_person", "distinct"):
        raise typer.BadParameter("relation must be same_person or distinct")
    with context.engine().connect() as conn:
        rows = creator_links.links(conn, relation=relation, limit=limit)
    show_rows(rows, as_json=as_json, title="creator links", columns={
        "link": lambda r: r["id"], "creator": lambda r: f"{r['creator']} {r['creator_name']}", "relation": lambda r: r["relation"],
        "other": lambda r: f"{r['other_creator']} {r['other_name']}", "decided by": lambda r: r["decided_by"],
        "proposal": lambda r: r["proposal_id"]})


@creators_app.command("unlink")
@friendly_errors
def unlink(link_id: Annotated[int, typer.Argument(min=1, help="The link's id (`museion heritage creators links`).")]) -> None:
    """Remove a decided creator link; the pair stays decided in the queue."""
    with context.engine().begin() as conn:
        gone = creator_links.unlink(conn, link_id, context.CLI_ACTOR)
    console.print(f"creator link {link_id} ({gone['relation']}) removed")
