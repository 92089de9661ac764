"""`museion rights`: near-duplicate records in the catalogue, queued for curators, and the links they decided."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.engine_options import EngineOpt, RayAddressOpt
from museion.cli.licences import register
from museion.cli.output import console, friendly_errors, show_rows
from museion.rights import matching, submissions

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
    engine_name: EngineOpt = "local", ray_address: RayAddressOpt = None,
    partitions: Annotated[int, typer.Option(min=1, max=65536, help="Record partitions the pair search is mapped over.")] = 16,
) -> None:
    """Scan the catalogue for near-duplicate records (MinHash over title, creators and medium) and queue new pairs."""
    from museion.scale.duplicates import PartitionedFinder
    from museion.scale.engine import open_engine

    compute = open_engine(engine_name, ray_address)
    with context.engine().begin() as conn:
        found = matching.scan(conn, source=source, limit=limit, threshold=threshold,
                              finder=PartitionedFinder(compute, partitions))
    console.print(f"{found.records:,} records scanned at similarity ≥ {found.threshold:.2f}: {found.matches:,} new pairs, "
                  f"{len(found.proposed)} queued for curators (`museion queue list --kind rights.duplicate`; "
                  f"{partitions} partitions on the {compute.name} engine)")


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


register(rights_app)  # the rights registry: licences, holders, import/export, conflicts, gaps, expiring, statements


def _show_submission(found: dict) -> None:
    if found["status"] == "skipped":
        console.print(f"submission {found['id']} ({found['filename']}) skipped: {found['reason']}")
        return
    console.print(f"submission {found['id']} ({found['filename']}): {found['matches']} possible copies queued for curators "
                  f"(`museion queue list --kind rights.infringement`)")
    for match in found["matches_found"]:
        evidence = match["evidence"]
        detail = (f"{len(evidence.get('passages', []))} shared passages" if found["kind"] == "text"
                  else f"{evidence['how']} {evidence['distances']}" + (f" window {evidence['box']}" if evidence.get("box") else ""))
        console.print(f"  proposal {match['id']}: {match['payload']['matches']} similarity {evidence['similarity']:.2f} ({detail})")


@rights_app.command("submit-text")
@friendly_errors
def submit_text(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A UTF-8 text file.")]) -> None:
    """Check a submitted text for near-copies of the catalogue's indexed texts; matches go to curators with evidence."""
    with context.engine().begin() as conn:
        _show_submission(submissions.submit_text(conn, path.name, path.read_bytes(), context.CLI_ACTOR))


@rights_app.command("submit-image")
@friendly_errors
def submit_image(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A picture (PNG, JPEG, …).")]) -> None:
    """Check a submitted picture for near-copies of the indexed pictures; matches go to curators with evidence."""
    with context.engine().begin() as conn:
        _show_submission(submissions.submit_image(conn, path.name, path.read_bytes(), context.CLI_ACTOR))


@rights_app.command("index")
@friendly_errors
def index(what: Annotated[str, typer.Argument(help="texts (the catalogue's works), images (pictures in FOLDER) or "
                                                   "demo-images (scikit-image's and generated pictures, labelled generated).")],
          folder: Annotated[Path | None, typer.Argument(exists=True, file_okay=False, help="For images: the folder.")] = None,
          source: Annotated[str | None, typer.Option(help="texts: only works of this source.")] = None) -> None:
    """Index catalogue texts or pictures for near-copy search (what the API and web start as a job)."""
    with context.engine().begin() as conn:
        if what == "texts":
            console.print(f"{submissions.index_texts(conn, source=source):,} catalogue texts indexed")
            return
        if what == "demo-images":
            found = submissions.index_demo_pictures(conn)
        elif what == "images" and folder is not None:
            files = sorted(p for p in folder.iterdir() if p.is_file())
            found = submissions.index_pictures(conn, ((p.name, p.read_bytes()) for p in files))
        else:
            raise typer.BadParameter("give texts, demo-images, or images with a FOLDER")
    console.print(f"{found['indexed']} pictures indexed, {len(found['skipped'])} skipped")
    for skip in found["skipped"]:
        console.print(f"  skipped {skip['file']}: {skip['reason']}")
