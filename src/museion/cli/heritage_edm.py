"""`museion heritage edm export|check` and `museion heritage iiif WORK_ID`: Europeana Data Model records of the
displayable works, their SHACL and tier report, and a work's IIIF Presentation 3 manifest (registered on the
heritage group)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from museion import audit
from museion.cli import context
from museion.cli.heritage import heritage_app
from museion.cli.output import console, err_console, friendly_errors, print_json
from museion.config import get_settings

edm_app = typer.Typer(help="Europeana Data Model: export the displayable works, check them against EDM's shapes and tiers.",
                      no_args_is_help=True, rich_markup_mode="markdown")
heritage_app.add_typer(edm_app, name="edm")
BaseUrl = Annotated[str, typer.Option("--base-url", envvar="MUSEION_PUBLIC_URL",
                                      help="The public address of this installation: the stable URIs are made under it.")]
DEFAULT_BASE = "http://localhost:8000"


@edm_app.command("export")
@friendly_errors
def export(
    fmt: Annotated[str, typer.Option("--format", help="rdfxml or jsonld.")] = "rdfxml",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
    source: Annotated[str | None, typer.Option(help="Only works of this source.")] = None,
    base_url: BaseUrl = DEFAULT_BASE,
) -> None:
    """Every work that may be displayed here today as EDM, streamed in batches."""
    from museion.heritage.edm_jobs import export_file
    from museion.heritage.edm_service import FORMATS, write
    from museion.store.engine import session_scope

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown EDM format {fmt!r}; use rdfxml or jsonld", param_hint="--format")
    engine = context.engine()
    if out is None:
        with session_scope(engine) as session:
            n = write(session, sys.stdout.buffer, fmt, base_url, source=source)
            audit.record(session.connection(), actor=context.CLI_ACTOR, action="export.edm", target=f"format:{fmt}",
                         details={"works": n, "source": source})
        sys.stdout.buffer.flush()
        err_console.print(f"wrote {n:,} works")
        return
    done = export_file(engine, out.resolve(), fmt=fmt, base_url=base_url, actor=context.CLI_ACTOR, source=source)
    err_console.print(f"wrote {done['works']:,} works to {done['file']}")


@edm_app.command("check")
@friendly_errors
def check(
    source: Annotated[str | None, typer.Option(help="Only works of this source.")] = None,
    base_url: BaseUrl = DEFAULT_BASE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
) -> None:
    """SHACL shapes and Europeana tiers for every displayable work; the report is stored for the EDM quality page."""
    from museion.heritage.edm_jobs import check_catalogue
    from museion.heritage.edm_report import load

    check_catalogue(context.engine(), get_settings().home, base_url=base_url, source=source)
    report = load(get_settings().home)
    if as_json:
        print_json(report)
        return
    for name, s in report["by_source"].items():
        console.print(f"{name}: {s['works']:,} works, {s['share_passing']:.1%} pass the EDM shapes; "
                      f"metadata tiers {s['metadata']}; content tiers {s['content']}")
        for why, n in list(s["violations"].items())[:5]:
            console.print(f"  {n:,} × {why}")
        for why, n in s["short"].items():
            console.print(f"  {n:,} below the next tier on {why}")
    console.print(f"{report['passing']:,} of {report['works']:,} works pass")


@heritage_app.command("iiif")
@friendly_errors
def iiif(work_id: Annotated[int, typer.Argument(min=1, help="The work's id.")], base_url: BaseUrl = DEFAULT_BASE) -> None:
    """A work's IIIF Presentation 3 manifest (works with an image that may be displayed here today)."""
    from museion.heritage.iiif_service import work_manifest
    from museion.store.engine import session_scope

    with session_scope(context.engine()) as session:
        print(json.dumps(work_manifest(session, work_id, base_url), ensure_ascii=False, indent=2))
