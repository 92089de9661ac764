"""`museion datasets …`: the known public datasets: list them, fetch them with checksum verification, load them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from museion.cli import context
from museion.cli.output import console, err_console, file_progress, friendly_errors, print_import_reports, print_json
from museion.config import get_settings
from museion.errors import InputRejected

datasets_app = typer.Typer(help="Public datasets: list, download with checksum verification, load.", no_args_is_help=True)


@datasets_app.command("list")
@friendly_errors
def datasets_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Known datasets, their licences, and whether their files are in MUSEION_DATASETS_DIR."""
    from museion.datasets.registry import all_datasets

    base = get_settings().datasets_dir
    rows = [
        {"name": d.name, "title": d.title, "publisher": d.publisher, "licence": d.licence,
         "folder": str(d.locate(base)), "present": not d.missing(d.locate(base)), "redistributable": d.redistributable}
        for d in all_datasets()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"datasets in {base}")
    for col in ("name", "present", "licence", "title"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["name"], "yes" if r["present"] else "no", r["licence"], r["title"])
    console.print(table)


@datasets_app.command("fetch")
@friendly_errors
def datasets_fetch(
    name: Annotated[str, typer.Argument(help="Dataset name (see `museion datasets list`).")],
    dest: Annotated[Path | None, typer.Option(help="Folder to put the files in (default: MUSEION_DATASETS_DIR/NAME).")] = None,
) -> None:
    """Download NAME from its publisher and verify each file's published sha256 before installing it."""
    from rich.progress import DownloadColumn, Progress

    from museion.datasets.fetch import fetch
    from museion.datasets.registry import get_dataset

    dataset = get_dataset(name)
    folder = dest or dataset.locate(get_settings().datasets_dir)
    with Progress(*Progress.get_default_columns(), DownloadColumn(), console=err_console) as progress:
        task = progress.add_task(f"fetching {name}", total=None)
        installed = fetch(dataset, folder, progress=lambda n, total: progress.update(task, advance=n, total=total))
    console.print(f"verified and installed {len(installed)} file(s) in {folder}")
    if dataset.notes:
        console.print(dataset.notes)


@datasets_app.command("load")
@friendly_errors
def datasets_load(
    name: Annotated[str, typer.Argument(help="Dataset name (see `museion datasets list`).")],
    path: Annotated[Path | None, typer.Option(help="Folder with the dataset's files (default: MUSEION_DATASETS_DIR/NAME).")] = None,
    max_errors: Annotated[int | None, typer.Option(help="Stop after this many problems.")] = None,
    verify: Annotated[bool, typer.Option(help="Check published sha256 checksums first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import reports as JSON.")] = False,
) -> None:
    """Load NAME into the store, atomically. Loading it again changes nothing."""
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import load_dataset

    dataset = get_dataset(name)
    folder = path if path is not None else dataset.locate(get_settings().datasets_dir)
    if verify:
        problems = dataset.verify(folder)
        if problems:
            raise InputRejected(problems)
    engine = context.engine()
    with file_progress(not as_json and sys.stderr.isatty()) as progress:
        reports = load_dataset(engine, dataset, folder, max_errors=max_errors or get_settings().max_errors, progress=progress)
    print_import_reports(reports, as_json)
    from museion.cli.risk import after_import
    from museion.risk.quality import Imported

    after_import(engine, [Imported(r.entity, r.source, folder / r.file, r.file) for r in reports], quiet=as_json)


def dataset_source(dataset: str | None, source: str | None) -> str | None:
    """The member source to read events from: a dataset's (loaded first when absent) or the explicit ``source``."""
    if dataset is None:
        return source
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import already_loaded, load_dataset

    ds = get_dataset(dataset)
    folder = ds.locate(get_settings().datasets_dir)
    engine = context.engine()
    ds.require(folder)
    if not already_loaded(engine, ds, folder):
        err_console.print(f"loading {dataset} into the store first")
        load_dataset(engine, ds, folder, max_errors=get_settings().max_errors)
    return ds.source
