"""Import a folder of Parquet files (hive-partitioned or flat, as Spark, Ray Data or ``museion recommend --all
-o …parquet`` write them) through the normal ingest path: every file checked first (readable, same columns), then all
rows validated and written in one transaction, so a bad file or row changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import Engine

from museion.errors import InputRejected, Problem
from museion.ingest.load import ImportReport, import_chunks
from museion.ingest.mapping import ColumnMapping
from museion.scale.parquet import MANIFEST as EXPORT_MANIFEST

CHUNK = 50_000


def parquet_files(folder: Path) -> list[Path]:
    """The folder's Parquet files in path order (hidden and ``_``-prefixed names, such as manifests, left out)."""
    if not folder.is_dir():
        raise InputRejected([Problem(str(folder), None, None, "not a folder of Parquet files")])
    files = sorted(p for p in folder.rglob("*.parquet")
                   if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))
    if not files:
        raise InputRejected([Problem(str(folder), None, None, "holds no .parquet files")])
    return files


def check_files(folder: Path, files: list[Path]) -> list[str]:
    """Every file readable and with the first file's columns; returns those columns. Problems name each bad file."""
    problems, columns = [], None
    for path in files:
        label = str(path.relative_to(folder))
        try:
            names = list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a corrupt file
            problems.append(Problem(f"{folder}/{label}", None, None, f"not a readable Parquet file: {exc}"))
            continue
        if columns is None:
            columns = names
        elif names != columns:
            problems.append(Problem(f"{folder}/{label}", None, None, f"columns {', '.join(names)} differ from the first "
                                    f"file's ({', '.join(columns)}): every file of a folder must have the same columns"))
    if problems:
        raise InputRejected(problems)
    assert columns is not None
    if (folder / EXPORT_MANIFEST).is_file() and "member_id" in columns:
        raise InputRejected([Problem(str(folder), None, None, "this is a Museion event export for workers (internal ids, "
                                     "not member and work keys): it is read by the scale workers, not imported")])
    return columns


def _chunks(files: list[Path]) -> Iterator[tuple[list[tuple[int, dict]], list[Problem]]]:
    """Rows of every file in order, numbered from 1 across the folder (the order ``parquet_files`` gives)."""
    n = 0
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK):
            rows = []
            for record in batch.to_pylist():
                n += 1
                rows.append((n, record))
            yield rows, []


def folder_digest(files: list[Path]) -> str:
    """One SHA-256 over the files' names and contents (the import run's fingerprint)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def import_folder(engine: Engine, mapping: ColumnMapping, folder: Path, *, max_errors: int = 20,
                  keep_member_ids: bool = False, actor: str = "cli") -> ImportReport:
    """Import every Parquet file under ``folder`` as one import (whole or not at all); row numbers count across the
    files in path order."""
    files = parquet_files(folder)
    columns = check_files(folder, files)
    label = str(folder)
    fields = mapping.resolve(columns, label)
    try:
        return import_chunks(engine, mapping, fields, _chunks(files), label=label, max_errors=max_errors,
                             sha256=folder_digest(files), keep_member_ids=keep_member_ids, actor=actor, require_rows=True)
    except InputRejected as exc:
        raise InputRejected([_in_file(folder, files, p) for p in exc.problems], truncated=exc.truncated) from None


def _in_file(folder: Path, files: list[Path], problem: Problem) -> Problem:
    """A problem at a row counted across the folder, told as the file and the row within it."""
    if problem.line is None or problem.file != str(folder):
        return problem
    before = 0
    for path in files:
        rows = pq.ParquetFile(path).metadata.num_rows
        if problem.line <= before + rows:
            return Problem(f"{folder}/{path.relative_to(folder)}", problem.line - before, problem.column,
                           problem.reason)
        before += rows
    return problem
