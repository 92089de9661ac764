"""The write side of the gate: members and events enter the store here and nowhere else.

A member's key is formed in one place, ``member_keys``: by default the keyed pseudonym of the id a file
gives, in the source's namespace, so no write path stores a raw member id unless its caller states that
the ids are pseudonymous already. Every statement on the personal tables runs inside the gate context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from museion.config import get_settings
from museion.privacy.access import gated
from museion.privacy.models import Member
from museion.privacy.pseudonym import load_key, pseudonymiser
from museion.store.bulk import Counts, KeyIndex, bulk_insert, content_hash, upsert_by_key

EVENT_COLUMNS = ("uid", "member_id", "work_id", "kind", "value", "occurred_at", "channel", "label")
_EMPTY_PROFILE = content_hash({})


def member_keys(source: str, *, keep_ids: bool = False) -> Callable[[str], str]:
    """How one import turns a file's member ids into stored keys: ``source:pseudonym`` with the installation's
    key (HMAC-SHA256), or ``source:id`` when ``keep_ids`` says the ids are already pseudonymous (a public
    dataset's anonymised user numbers). The source namespace keeps colliding ids of two sources apart."""
    if keep_ids:
        return lambda external_id: f"{source}:{external_id}"
    pseudonym = pseudonymiser(load_key(get_settings().home), source)
    return lambda external_id: f"{source}:{pseudonym(external_id)}"


def member_index() -> KeyIndex:
    """A key → id cache over members for one import (its look-ups run through ``ensure_members``)."""
    return KeyIndex(Member.__table__)


@gated
def upsert_members(conn: Connection, records: list[dict[str, Any]]) -> Counts:
    """Insert new members, update changed profiles, skip unchanged ones (by content hash)."""
    return upsert_by_key(conn, Member.__table__, records)[0]


@gated
def ensure_members(conn: Connection, index: KeyIndex, keys: set[str], source: str) -> dict[str, int]:
    """key → id for ``keys``, creating members seen for the first time (events name them before any profile)."""
    known = index.lookup(conn, keys)
    missing = sorted(keys - known.keys())
    if missing:
        bulk_insert(conn, "members", ("key", "source", "content_hash"), [(k, source, _EMPTY_PROFILE) for k in missing])
        index.lookup(conn, missing)
    return index.ids


@gated
def insert_events(conn: Connection, rows: list[tuple[Any, ...]]) -> int:
    """Insert event tuples, skipping uids already stored; returns how many were new.

    SQLite takes a driver-level executemany (SQLAlchemy's per-row processing would dominate);
    PostgreSQL takes COPY into a temporary staging table, then one INSERT … ON CONFLICT DO NOTHING.
    """
    if not rows:
        return 0
    names = ", ".join(EVENT_COLUMNS)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS museion_events_stage (uid bytea, member_id bigint, work_id bigint, "
                "kind text, value double precision, occurred_at bigint, channel text, label text) ON COMMIT DROP"
            )
            with cur.copy(f"COPY museion_events_stage ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO events ({names}) SELECT {names} FROM museion_events_stage ON CONFLICT (uid) DO NOTHING")
            inserted = cur.rowcount
            cur.execute("TRUNCATE museion_events_stage")
        return inserted
    placeholders = ", ".join("?" for _ in EVENT_COLUMNS)
    result = conn.exec_driver_sql(f"INSERT OR IGNORE INTO events ({names}) VALUES ({placeholders})", rows)
    return result.rowcount


def refers_to(ref: str, stored_key: str) -> bool:
    """Whether ``ref`` (a stored key, or ``SOURCE:ID`` as a file gave it) names the member stored under ``stored_key``:
    a member's own token may name them either way."""
    if ref == stored_key:
        return True
    source, sep, external_id = ref.partition(":")
    return bool(sep and external_id) and member_keys(source)(external_id) == stored_key
