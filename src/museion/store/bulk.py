"""Bulk writes for keyed tables of any area: driver-level inserts, keyed upserts by content hash, key → id look-ups.

Areas own their tables and call these on them (the catalogue from ``museion.ingest``, members and events
from ``museion.privacy.intake``), so the one fast path serves both without either importing the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, JSON, Connection, String, Table, bindparam, func, literal, select, update

from museion.store.base import utcnow
from museion.store.batches import chunks


def content_hash(payload: Any) -> bytes:
    """A 16-byte digest of a record: equal content, equal hash, on every run.

    Records are built in a fixed field order, so ``repr`` is canonical and several times faster
    than JSON encoding on catalogue-sized imports.
    """
    return hashlib.blake2b(repr(payload).encode(), digest_size=16).digest()


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> int:
    """Insert many tuples at driver level: SQLite executemany, PostgreSQL COPY (no per-row ORM work)."""
    if not rows:
        return 0
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cur:  # type: ignore[union-attr]
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return len(rows)
    marks = ", ".join("?" for _ in columns)
    return conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows).rowcount


@dataclass(slots=True)
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


class KeyIndex:
    """Caches key → id for one table, querying the database only for keys not seen yet."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.ids: dict[str, int] = {}

    def lookup(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        wanted = sorted({k for k in keys if k not in self.ids})
        self.ids.update(rows_by_key(conn, self.table, wanted, self.table.c.id))
        return self.ids


def rows_by_key(conn: Connection, table: Table, keys: Sequence[str], *columns: Any) -> dict[str, Any]:
    """key → column value (or tuple of values) for the given keys, in batches.

    On PostgreSQL the keys travel as one array joined through ``unnest``: rows inserted earlier in
    the same transaction have no planner statistics yet, and a long ``IN`` list then turns into a
    sequential scan per batch (seen: 0.7 s per 900 keys on 60k members).
    """
    found: dict[str, Any] = {}
    single = len(columns) == 1
    if conn.dialect.name == "postgresql" and keys:
        wanted = func.unnest(literal(list(keys), ARRAY(String()))).table_valued("k").render_derived(name="wanted")
        q = select(table.c.key, *columns).join(wanted, table.c.key == wanted.c.k)
        batches = [q]
    else:
        batches = [select(table.c.key, *columns).where(table.c.key.in_(batch)) for batch in chunks(keys)]
    for q in batches:
        for key, *values in conn.execute(q):
            found[key] = values[0] if single else tuple(values)
    return found


def _existing_hashes(conn: Connection, table: Table, keys: Sequence[str]) -> dict[str, tuple[int, bytes]]:
    return rows_by_key(conn, table, keys, table.c.id, table.c.content_hash)


def upsert_by_key(conn: Connection, table: Table, records: list[dict[str, Any]]) -> tuple[Counts, dict[str, int]]:
    """Insert new keys, update changed ones (by content hash), skip unchanged; key → id of rows that changed.

    New rows go in at driver level (timestamps come from the database's defaults); updates, which are
    rare on re-imports, go through SQLAlchemy.
    """
    counts = Counts()
    existing = _existing_hashes(conn, table, [r["key"] for r in records])
    new = [r for r in records if r["key"] not in existing]
    changed = [dict(r, _id=existing[r["key"]][0]) for r in records
               if r["key"] in existing and existing[r["key"]][1] != r["content_hash"]]
    counts.unchanged = len(records) - len(new) - len(changed)
    if new:
        columns = list(new[0])
        as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
        rows = [tuple(json.dumps(r[c]) if c in as_json else r[c] for c in columns) for r in new]
        counts.inserted = bulk_insert(conn, table.name, columns, rows)
    if changed:
        columns = [c for c in changed[0] if c not in ("_id", "key")]
        values = {c: bindparam(c) for c in columns}
        if "updated_at" in table.c:
            values["updated_at"] = utcnow()
        conn.execute(update(table).where(table.c.id == bindparam("_id")).values(values), changed)
        counts.updated = len(changed)
    touched = {k: v[0] for k, v in _existing_hashes(conn, table, [r["key"] for r in new]).items()}
    touched.update({r["key"]: r["_id"] for r in changed})
    return counts, touched
