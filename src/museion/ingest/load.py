"""Import service: stream a file (or an adapter's rows) through validation into the store, atomically.

One transaction per import: either every row lands or nothing changes. Imports serialise (an advisory lock on
PostgreSQL, BEGIN IMMEDIATE on SQLite): a second one waits, then fails with a retry hint, never with a driver error.
Problems are grouped by kind (a problem repeated on many rows counts once) up to ``max_errors`` kinds, and then the
import stops and rolls back. A file with no rows is never loaded silently: refused where rows are required (a public
dataset's files), otherwise imported with a warning on the report.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from museion import audit
from museion.errors import Conflict, InputRejected, Problem
from museion.ingest.mapping import ColumnMapping
from museion.ingest.problems import ProblemLog
from museion.ingest.readers import Progress, Row, iter_chunks, read_header
from museion.ingest.runs import record_run
from museion.ingest.validate import ChunkValidator
from museion.ingest.write import WRITERS
from museion.privacy import tombstones
from museion.store.base import utcnow
from museion.store.bulk import Counts

RowTransform = Callable[[dict], dict]
Target = Engine | Connection  # an engine: the import is its own transaction; a connection: the caller's


IMPORT_LOCK = 0x4D555345  # "MUSE": with the schema's hash, the PostgreSQL advisory lock an import holds for its transaction
IMPORT_WAIT_SECONDS = 60.0
_log = logging.getLogger(__name__)


class ImportBusy(Conflict):
    """Another import held the store for longer than an import waits; nothing was imported."""


def _busy(waited: float) -> ImportBusy:
    return ImportBusy(f"another import is writing to the store (waited {waited:.0f} s for it to finish); nothing was "
                      "imported: retry when it has finished")


def _locked(conn: Connection) -> bool:
    """Take the store's import lock for this transaction if it is free (BEGIN IMMEDIATE on SQLite)."""
    if conn.dialect.name == "postgresql":
        return bool(conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": IMPORT_LOCK}))
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
        conn.rollback()
        return False
    return True


@contextmanager
def import_transaction(engine: Engine) -> Iterator[Connection]:
    """One import's transaction, serialised with every other import: it waits (up to ``IMPORT_WAIT_SECONDS``) while
    another holds the store, then fails cleanly with a retry hint; a clash it could not prevent is a Conflict."""
    started, warned = time.monotonic(), False
    deadline = started + IMPORT_WAIT_SECONDS
    with engine.connect() as conn:
        while not _locked(conn):
            if not warned:
                _log.warning("waiting for another import to finish (up to %.0f s)…", IMPORT_WAIT_SECONDS)
                warned = True
            if time.monotonic() >= deadline:
                raise _busy(time.monotonic() - started)
            conn.rollback()
            time.sleep(0.2)
        try:
            yield conn
            conn.commit()
        except BaseException as exc:
            conn.rollback()
            if _clash(conn, exc):
                raise Conflict("another write changed the same records while this import ran; nothing was imported: "
                               f"retry the import ({type(getattr(exc, 'orig', exc)).__name__})") from None
            raise


def _clash(conn: Connection, exc: BaseException) -> bool:
    """A unique clash or a lock wait that ran out, raised through SQLAlchemy or straight from the driver (COPY)."""
    dbapi = conn.dialect.dbapi
    if isinstance(exc, IntegrityError) or (dbapi is not None and isinstance(exc, dbapi.IntegrityError)):
        return True
    if isinstance(exc, OperationalError) or (dbapi is not None and isinstance(exc, dbapi.OperationalError)):
        return any(word in str(exc).lower() for word in ("locked", "busy", "deadlock"))
    return False


def _transaction(target: Target) -> AbstractContextManager[Connection]:
    return import_transaction(target) if isinstance(target, Engine) else nullcontext(target)


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
    warnings: tuple[Problem, ...] = ()
    skipped: int = 0
    skipped_because: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "warnings": [w.as_dict() for w in self.warnings]}


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
    keep_member_ids: bool = False,
    actor: str = "cli",
    require_rows: bool = False,
) -> ImportReport:
    """Import one file with a column mapping; raises InputRejected (and changes nothing) on bad input.

    ``transform`` lets an adapter reshape each row first; ``derived`` names the columns it adds.
    A file without rows is refused when ``require_rows``, and otherwise reported with a warning.
    Member ids are stored as keyed pseudonyms unless ``keep_member_ids`` says the file's ids are
    pseudonymous already (see ``museion.privacy.intake.member_keys``).
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
                         keep_member_ids=keep_member_ids, actor=actor, require_rows=require_rows)


def import_rows(
    target: Target, mapping: ColumnMapping, rows: list[Row], *, label: str, max_errors: int = 20, keep_member_ids: bool = False,
    actor: str = "cli",
) -> ImportReport:
    """Import rows an adapter built in memory (e.g. creators derived from another file)."""
    fields = mapping.resolve(None, label)
    return import_chunks(target, mapping, fields, iter([(rows, [])]), label=label, max_errors=max_errors, sha256=None,
                         keep_member_ids=keep_member_ids, actor=actor)


def import_chunks(
    target: Target,
    mapping: ColumnMapping,
    fields: dict[str, str],
    chunks: Iterator[tuple[list[Row], list[Problem]]],
    *,
    label: str,
    max_errors: int,
    sha256: str | None,
    keep_member_ids: bool = False,
    actor: str = "cli",
    require_rows: bool = False,
) -> ImportReport:
    """Validate and write the chunks in one transaction, record the run and append it to the audit chain."""
    started = time.perf_counter()
    validator = ChunkValidator(
        mapping.spec, fields, mapping.constants, label,
        list_separator=mapping.list_separator, timestamp_format=mapping.timestamp_format,
        creator_role=mapping.creator_role, value_maps=mapping.value_maps,
    )
    if validator.constant_problems:
        raise InputRejected(validator.constant_problems)
    writer = WRITERS[mapping.entity](mapping.source, fields, label, keep_member_ids=keep_member_ids)
    problems = ProblemLog()
    totals, rows_read = Counts(), 0
    began = utcnow()
    with _transaction(target) as conn:
        for rows, row_problems in chunks:
            rows_read += len(rows) + len(row_problems)
            chunk, chunk_problems = validator.validate(rows)
            problems.add(row_problems + chunk_problems)
            if len(problems) >= max_errors:
                break
            counts, write_problems = writer.write(conn, chunk, dry=bool(problems))
            problems.add(write_problems)
            totals.add(counts)
            if len(problems) >= max_errors:
                break
        if problems:
            raise InputRejected(problems.problems()[:max_errors], truncated=len(problems) >= max_errors)
        empty = Problem(label, None, None, "no rows: the file holds no data rows") if rows_read == 0 else None
        if empty and require_rows:
            raise InputRejected([Problem(label, None, None, f"{empty.reason}; a dataset's file cannot be empty (is the copy complete?)")])
        record_run(conn, entity=mapping.entity, source=mapping.source, file_name=label, file_sha256=sha256, started_at=began,
                   totals={"rows_read": rows_read, "inserted": totals.inserted, "updated": totals.updated,
                           "unchanged": totals.unchanged},
                   actor=actor, action="data.import",
                   details={"entity": mapping.entity, "source": audit.ref("source", mapping.source), "file_sha256": sha256,
                            "skipped_erased": writer.skipped})
    return ImportReport(mapping.entity, mapping.source, label, rows_read, totals.inserted, totals.updated,
                        totals.unchanged, time.perf_counter() - started, (empty,) if empty else (),
                        writer.skipped, tombstones.SKIP_REASON if writer.skipped else None)
