"""`museion ingest …`: import your own works, creators, members and events from files, one command per entity."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import file_progress, friendly_errors, print_import_reports
from museion.config import get_settings
from museion.errors import InputRejected, Problem

ingest_app = typer.Typer(
    help="Import your own files (CSV/TSV, JSON Lines, Parquet; .gz works too). Every import is atomic: "
    "all rows land or nothing changes, and every rejected row is named by file, line and column.",
    no_args_is_help=True,
)


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise InputRejected([Problem(flag, None, None, f"expected FIELD=VALUE, got {item!r}")])
        out[field.strip()] = column
    return out


def _value_maps(values: list[str]) -> dict[str, dict[str, str]]:
    """``--map FIELD=FROM:TO`` (repeatable; ``FIELD=A:B,C:D`` renames several) as field → {value in the file: value to store}."""
    out: dict[str, dict[str, str]] = {}
    for item in values:
        field, sep, renames = item.partition("=")
        pairs = [pair.partition(":") for pair in renames.split(",")]
        if not sep or not field.strip() or any(not colon or not old for old, colon, _new in pairs):
            raise InputRejected([Problem("--map", None, None, f"expected FIELD=FROM:TO (or FIELD=A:B,C:D), got {item!r}")])
        out.setdefault(field.strip(), {}).update({old: new for old, _colon, new in pairs})
    return out


def _ingest(entity: str, file: Path, mapping_file: Path | None, column: list[str], const: list[str], source: str | None,
            kind: str | None, fmt: str | None, delimiter: str | None, quote: str | None, encoding: str | None,
            list_separator: str | None, timestamp_format: str | None, creator_role: str | None, domain: list[str],
            value_map: list[str], max_errors: int | None, as_json: bool, pseudonymise: bool) -> None:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping, parse_domains

    base = ColumnMapping.from_file(mapping_file, entity) if mapping_file else ColumnMapping(entity)
    constants = _pairs(const, "--const")
    if kind:
        constants["kind"] = kind
    mapping = base.with_overrides(
        columns=_pairs(column, "--column"), constants=constants, source=source, format=fmt, delimiter=delimiter,
        quote=quote, encoding=encoding, list_separator=list_separator, timestamp_format=timestamp_format,
        creator_role=creator_role, domains=parse_domains(_pairs(domain, "--domain"), "--domain"),
        value_maps=_value_maps(value_map),
    )
    mapping.check_fields("command line")
    engine = context.engine()
    if file.is_dir():  # a folder of Parquet files (hive-partitioned or flat), imported whole or not at all
        from museion.cli.risk import after_import as checks
        from museion.scale.parquet_ingest import import_folder

        folder_report = import_folder(engine, mapping, file, max_errors=max_errors or get_settings().max_errors,
                                      keep_member_ids=not pseudonymise, actor=context.CLI_ACTOR)
        print_import_reports([folder_report], as_json)
        checks(engine, [], quiet=as_json)
        return
    with file_progress(not as_json and sys.stderr.isatty()) as progress:
        report = import_file(engine, mapping, file, max_errors=max_errors or get_settings().max_errors,
                             progress=progress(file.name, file.stat().st_size) if progress and file.is_file() else None,
                             label=str(file), keep_member_ids=not pseudonymise, actor=context.CLI_ACTOR)
    print_import_reports([report], as_json)
    from museion.cli.risk import after_import
    from museion.risk.quality import Imported

    after_import(engine, [Imported(mapping.entity, mapping.source, file, str(file), mapping.read)], quiet=as_json)


def _make_ingest_command(entity: str, doc: str) -> None:
    from museion.ingest.schema import ENTITIES

    fields = ", ".join(f.name + ("*" if f.required else "") for f in ENTITIES[entity].fields)

    @ingest_app.command(entity, help=f"{doc}\n\nFields (* required): {fields}.")
    @friendly_errors
    def command(
        file: Annotated[Path, typer.Argument(help="The file to import, or a folder of Parquet files (hive-partitioned "
                                                  "or flat, e.g. from Spark or Ray Data) imported as one.")],
        mapping: Annotated[Path | None, typer.Option("--mapping", help="TOML mapping file (see docs/ingest.md).")] = None,
        column: Annotated[list[str], typer.Option("--column", "-c", help="FIELD=COLUMN, e.g. member=userID; repeatable.")] = [],  # noqa: B006
        const: Annotated[list[str], typer.Option("--const", help="FIELD=VALUE for every row; repeatable.")] = [],  # noqa: B006
        source: Annotated[str | None, typer.Option(help="Key namespace, e.g. your system's name (default: local).")] = None,
        kind: Annotated[str | None, typer.Option(help="Kind for every row (work kind or event kind).")] = None,
        fmt: Annotated[str | None, typer.Option("--format", help="csv, tsv, jsonl or parquet (default: from the name).")] = None,
        delimiter: Annotated[str | None, typer.Option(help="CSV delimiter, e.g. ';' or '\\t'.")] = None,
        quote: Annotated[str | None, typer.Option(
            help="Quote character of CSV/TSV values, or 'none' (default: '\"' for CSV, none for TSV/.dat/.tab).")] = None,
        encoding: Annotated[str | None, typer.Option(help="Text encoding, e.g. latin-1 (default: utf-8).")] = None,
        list_separator: Annotated[str | None, typer.Option(help="Separator inside list cells (default: |).")] = None,
        timestamp_format: Annotated[str | None, typer.Option(help="'auto' or a strptime pattern.")] = None,
        creator_role: Annotated[str | None, typer.Option(help="Role given to creators listed on works.")] = None,
        domain: Annotated[list[str], typer.Option(
            "--domain", help="FIELD=LOW..HIGH[/STEP] or FIELD=A|B|C: the values this file may hold, e.g. value=0.5..5/0.5; "
                             "repeatable.")] = [],  # noqa: B006
        value_map: Annotated[list[str], typer.Option(
            "--map", help="FIELD=FROM:TO renames a value before it is checked, e.g. kind=loan:borrow; repeatable.")] = [],  # noqa: B006
        max_errors: Annotated[int | None, typer.Option(
            help="Stop after this many distinct problems (one repeated on many rows counts once).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")] = False,
        pseudonymise: Annotated[bool, typer.Option(
            "--pseudonymise/--keep-member-ids",
            help="Members and events: store keyed HMAC pseudonyms instead of your member ids (default). "
                 "Keep ids only when they are already pseudonymous.")] = True,
    ) -> None:
        _ingest(entity, file, mapping, column, const, source, kind, fmt, delimiter, quote, encoding, list_separator,
                timestamp_format, creator_role, domain, value_map, max_errors, as_json, pseudonymise)


_make_ingest_command("works", "Import works (films, books, recordings, artworks…). Creators they list must exist.")
_make_ingest_command("creators", "Import creators, with optional gender, nationality, birth year, career stage.")
_make_ingest_command("members", "Import audience members by pseudonymous key (no names or e-mails).")
_make_ingest_command("events", "Import activity (views, plays, ratings…). Works must exist; members are created as seen.")
