"""Import service: stream a file (or an adapter's rows) through validation into the store, atomically.

One transaction per import: either every row lands or nothing changes. Problems are collected up
to ``max_errors`` and then the import stops and rolls back.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, insert

from museion.errors import InputRejected, Problem
from museion.ingest.mapping import ColumnMapping
from museion.ingest.readers import Progress, Row, iter_chunks, read_header
from museion.ingest.validate import ChunkValidator
from museion.ingest.write import WRITERS, Counts
from museion.security import audit
from museion.store.models import ImportRun, utcnow

RowTransform = Callable[[dict], dict]
Pseudonymiser = Callable[[str], str]
MEMBER_KEY_FIELD = {"members": "key", "events": "member"}  # where an entity names a member
Target = Engine | Connection  # an engine: the import is its own transaction; a connection: the caller's


def _transaction(target: Target) -> AbstractContextManager[Connection]:
    return target.begin() if isinstance(target, Engine) else nullcontext(target)


@dataclass(frozen=True, slots=True)
class ImportReport:
    entity: str
    source: str
    file: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _transformed(chunks: Iterator[tuple[list[Row], list[Problem]]], transform: RowTransform | None, label: str):
    for rows, problems in chunks:
        if transform is None:
            yield rows, problems
            continue
        out: list[Row] = []
        for line, values in rows:
            try:
                out.append((line, transform(values)))
            except ValueError as exc:
                problems.append(Problem(label, line, None, str(exc)))
        yield out, problems


def import_file(
    target: Target,
    mapping: ColumnMapping,
    path: Path,
    *,
    max_errors: int = 20,
    progress: Progress | None = None,
    transform: RowTransform | None = None,
    derived: tuple[str, ...] = (),
    label: str | None = None,
    pseudonymise: Pseudonymiser | None = None,
    actor: str = "cli",
) -> ImportReport:
    """Import one file with a column mapping; raises InputRejected (and changes nothing) on bad input.

    ``transform`` lets an adapter reshape each row first; ``derived`` names the columns it adds.
    ``pseudonymise`` replaces member identifiers by keyed pseudonyms before anything is stored.
    ``actor`` is who the audit chain records the import against.
    """
    label = label or path.name
    if not path.is_file():
        raise InputRejected([Problem(label, None, None, f"file not found: {path}")])
    header = read_header(path, mapping.read, label)
    if header is not None:
        header = [*header, *derived]
    fields = mapping.resolve(header, label)
    chunks = _transformed(iter_chunks(path, mapping.read, label, progress), transform, label)
    return import_chunks(target, mapping, fields, chunks, label=label, max_errors=max_errors, sha256=file_sha256(path),
                         pseudonymise=pseudonymise, actor=actor)


def import_rows(
    target: Target, mapping: ColumnMapping, rows: list[Row], *, label: str, max_errors: int = 20, actor: str = "cli"
) -> ImportReport:
    """Import rows an adapter built in memory (e.g. creators derived from another file)."""
    fields = mapping.resolve(None, label)
    return import_chunks(target, mapping, fields, iter([(rows, [])]), label=label, max_errors=max_errors, sha256=None,
                         actor=actor)


def import_chunks(
    target: Target,
    mapping: ColumnMapping,
    fields: dict[str, str],
    chunks: Iterator[tuple[list[Row], list[Problem]]],
    *,
    label: str,
    max_errors: int,
    sha256: str | None,
    pseudonymise: Pseudonymiser | None = None,
    actor: str = "cli",
) -> ImportReport:
    """Validate and write the chunks in one transaction, record the run and append it to the audit chain."""
    started = time.perf_counter()
    validator = ChunkValidator(
        mapping.spec, fields, mapping.constants, label,
        list_separator=mapping.list_separator, timestamp_format=mapping.timestamp_format,
        creator_role=mapping.creator_role,
    )
    if validator.constant_problems:
        raise InputRejected(validator.constant_problems)
    writer = WRITERS[mapping.entity](mapping.source, fields, label)
    problems: list[Problem] = []
    totals, rows_read = Counts(), 0
    began = utcnow()
    with _transaction(target) as conn:
        for rows, row_problems in chunks:
            rows_read += len(rows) + len(row_problems)
            chunk, chunk_problems = validator.validate(rows)
            problems += row_problems + chunk_problems
            if len(problems) >= max_errors:
                break
            if pseudonymise is not None and mapping.entity in MEMBER_KEY_FIELD:
                field = MEMBER_KEY_FIELD[mapping.entity]
                chunk.columns[field] = [pseudonymise(value) for value in chunk.columns[field]]
            counts, write_problems = writer.write(conn, chunk, dry=bool(problems))
            problems += write_problems
            totals.add(counts)
            if len(problems) >= max_errors:
                break
        if problems:
            problems.sort(key=lambda p: (p.line or 0))
            raise InputRejected(problems[:max_errors], truncated=len(problems) >= max_errors)
        run_id = conn.execute(insert(ImportRun.__table__).values(
            entity=mapping.entity, source=mapping.source, file_name=label, file_sha256=sha256, rows_read=rows_read,
            inserted=totals.inserted, updated=totals.updated, unchanged=totals.unchanged,
            started_at=began, finished_at=utcnow(),
        ).returning(ImportRun.__table__.c.id)).scalar_one()
        audit.record(conn, actor=actor, action="data.import", target=f"import:{run_id}", details={
            "entity": mapping.entity, "source": audit.ref("source", mapping.source), "file_sha256": sha256,
            "rows_read": rows_read, "inserted": totals.inserted, "updated": totals.updated, "unchanged": totals.unchanged})
    return ImportReport(mapping.entity, mapping.source, label, rows_read, totals.inserted, totals.updated,
                        totals.unchanged, time.perf_counter() - started)
