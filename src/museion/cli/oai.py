"""`museion harvest URL`: import another repository's OAI-PMH records into the catalogue (whole or nothing), and
`museion oai info|harvests`: what this installation's own provider offers and the harvests made."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.heritage.oai_harvester import harvest as run_harvest
from museion.heritage.oai_harvester import harvests
from museion.heritage.oai_protocol import OaiError, parse_datestamp
from museion.heritage.oai_store import list_sets

oai_app = typer.Typer(help="OAI-PMH: this installation's provider (served at /oai by `museion serve`) and harvests.",
                      no_args_is_help=True)


@friendly_errors
def harvest(
    url: Annotated[str, typer.Argument(help="The repository's OAI-PMH base URL (http or https).")],
    set_spec: Annotated[str | None, typer.Option("--set", help="Harvest one set only (a setSpec from its ListSets).")] = None,
    from_date: Annotated[str | None, typer.Option("--from", help="Records changed since YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ "
                                                  "(default: since the last harvest of this URL, set and prefix that landed).")] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="oai_dc (Dublin Core) or edm (Europeana Data Model).")] = "oai_dc",
    source: Annotated[str | None, typer.Option(help="Catalogue source to key the records under (default: from the host).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Ask for every record, not only those changed since the last harvest.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Harvest another institution's records into the catalogue through the normal import path: every record lands,
    or none does (problems are listed by record)."""
    if from_date is not None:
        try:
            parse_datestamp(from_date, "--from")
        except OaiError as exc:
            raise typer.BadParameter(exc.message, param_hint="--from") from None
    result = run_harvest(context.engine(), url, set_spec=set_spec, from_date=from_date, prefix=prefix, source=source,
                         incremental=not full, progress=lambda _f, message: console.print(f"[dim]{message}[/]"))
    if as_json:
        print_json(result)
        return
    works, makers = result["works"], result["creators"]
    console.print(f"{result['records']:,} records from {result['pages']:,} pages of {result['endpoint']} "
                  f"({result['prefix']}{', set ' + result['set'] if result['set'] else ''}"
                  f"{', from ' + result['from'] if result['from'] else ''}) as source {result['source']!r}: "
                  f"works {works.get('inserted', 0):,} new, {works.get('updated', 0):,} changed, {works.get('unchanged', 0):,} unchanged; "
                  f"creators {makers.get('inserted', 0):,} new; {result['deleted_at_source']:,} deleted at the source")


@oai_app.command("info")
@friendly_errors
def info(base: Annotated[str, typer.Option(help="The address the app is reached at.")] = "http://127.0.0.1:8000") -> None:
    """The provider's base URL, formats and sets."""
    console.print(f"OAI-PMH base URL: {base.rstrip('/')}/oai  (formats: oai_dc, edm; deleted records: persistent)")
    with context.engine().connect() as conn:
        for spec, name in list_sets(conn):
            console.print(f"  set {spec}: {name}")


@oai_app.command("harvests")
@friendly_errors
def past(limit: Annotated[int, typer.Option(min=1, max=500)] = 20, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Past harvests, newest first."""
    show_rows(harvests(context.engine(), limit), as_json=as_json, title="harvests", columns={
        "id": lambda r: r["id"], "status": lambda r: r["status"], "endpoint": lambda r: r["endpoint"],
        "set": lambda r: r["set_spec"] or "", "prefix": lambda r: r["prefix"], "from": lambda r: r["from_date"] or "",
        "records": lambda r: r["records"], "error": lambda r: r["error"] or ""})
