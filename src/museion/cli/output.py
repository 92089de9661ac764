"""Terminal output for commands: rich consoles, progress bars, and error reporting without tracebacks."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from museion.errors import InputRejected, MuseionError

if TYPE_CHECKING:
    from museion.ingest.load import ImportReport

# Piped output (CI logs, files) gets a wide console so report tables are not cut at 80 columns.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

P = ParamSpec("P")
R = TypeVar("R")


def print_json(data: Any) -> None:
    def default(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return str(value)

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=default) + "\n")


def show_rows(rows: list[dict[str, Any]], *, as_json: bool, title: str,
              columns: Mapping[str, Callable[[dict[str, Any]], object]]) -> None:
    """Print rows as JSON, or as a table whose cells the ``columns`` functions compute from each row."""
    if as_json:
        print_json(rows)
        return
    table = Table(title=title)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(str(cell(row)) for cell in columns.values()))
    console.print(table)


def print_import_reports(reports: Sequence[ImportReport], as_json: bool) -> None:
    """Import reports (one per file) as JSON, or as a table of rows read, inserted, updated, unchanged and skipped;
    their warnings (a file with no rows, rows of erased members skipped…) go to stderr either way, so they are never missed."""
    for warning in (w for r in reports for w in r.warnings):
        err_console.print(f"[bold yellow]warning:[/] {escape(str(warning))}", highlight=False)
    for r in (r for r in reports if r.skipped):
        err_console.print(f"[bold yellow]skipped:[/] {r.file}: {r.skipped:,} rows: {escape(r.skipped_because or '')}", highlight=False)
    if as_json:
        print_json([r.as_dict() for r in reports])
        return
    table = Table()
    table.add_column("file", overflow="fold", min_width=16)
    for col in ("entity", "rows read", "inserted", "updated", "unchanged", "skipped", "seconds"):
        table.add_column(col, justify="left" if col == "entity" else "right", no_wrap=True)
    for r in reports:
        table.add_row(r.file, r.entity, f"{r.rows_read:,}", f"{r.inserted:,}", f"{r.updated:,}", f"{r.unchanged:,}", f"{r.skipped:,}",
                      f"{r.seconds:.2f}")
    console.print(table)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Museion and database errors into a short message and exit code 2 (input) or 1 (other)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InputRejected as exc:
            err_console.print(f"[bold red]{escape(exc.args[0].splitlines()[0])}[/]", highlight=False)
            for problem in exc.problems:
                err_console.print(f"  - {problem}", highlight=False, markup=False)
            raise typer.Exit(2) from None
        except MuseionError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None
        except SQLAlchemyError as exc:
            err_console.print(f"[bold red]database error:[/] {escape(str(getattr(exc, 'orig', None) or exc))}", highlight=False)
            raise typer.Exit(1) from None
        except OSError as exc:  # unreadable file, full disk, port in use…
            err_console.print(f"[bold red]error:[/] {escape(str(exc.strerror or exc))}: {escape(str(exc.filename or ''))}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def file_progress(enabled: bool = True) -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """A factory of per-file byte progress bars (None when output is not a terminal or disabled)."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=False) as progress:
        def factory(name: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(name, total=total)
            return lambda advance: progress.advance(task, advance)

        yield factory
