"""What the OAI-PMH provider reads from the store: live works and tombstones as two streams in (datestamp, id) order,
each a page at a time from a keyset cursor (never an OFFSET over the catalogue), bounded by from, until and the upper
bound frozen at a list's first page; the sets; and the tombstones kept in step with licences.

Datestamps are compared as the store holds them (``raw``): on SQLite the stored text, whose order is the order in
time whatever fraction of a second it carries; on PostgreSQL the timestamp itself. Tombstones follow licences: a work
no licence lets be displayed here today is reported deleted from the first request that notices it, and a work that
is available again is given that moment as its new datestamp (``works.updated_at``), so incremental harvesters
fetch it again. Removed works get their tombstone from a trigger (migration 0026)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, ColumnElement, String, and_, delete, exists, false, func, literal, or_, select, true, \
    type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from museion.catalog.models import Work
from museion.heritage.oai_models import LICENCE, OaiDeletion
from museion.heritage.oai_protocol import SET_SPEC, Cursor
from museion.heritage.records import WorkRecord, records_by_ids
from museion.rights.availability import unavailable
from museion.studio.exhibitions import exhibitions

LIVE, DELETED = 0, 1


@dataclass(frozen=True, slots=True)
class Item:
    """One record of a list: a live work or a tombstone, with its raw datestamp and the sets it belongs to."""

    stream: int
    id: int
    key: str
    source: str
    kind: str
    raw: str
    sets: tuple[str, ...]

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.raw, self.stream, self.id)

    @property
    def datestamp(self) -> datetime:
        return as_moment(self.raw)


def raw_of(conn: Connection, moment: datetime) -> str:
    """A moment as the store's own datestamp text (what cursors and bounds hold)."""
    moment = moment.astimezone(UTC)
    if conn.dialect.name == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.isoformat()


def as_moment(raw: str) -> datetime:
    moment = datetime.fromisoformat(raw)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(conn: Connection, column: ColumnElement) -> ColumnElement:
    return type_coerce(column, String) if conn.dialect.name == "sqlite" else column


def _bound(conn: Connection, raw: str) -> ColumnElement:
    if conn.dialect.name == "sqlite":
        return literal(raw, String)
    return literal(as_moment(raw), Work.updated_at.type)


def _second(conn: Connection, moment: datetime) -> ColumnElement:
    """A from/until bound at a whole second: on SQLite the shortest text, below every fraction of that second."""
    moment = moment.astimezone(UTC)
    if conn.dialect.name == "sqlite":
        return literal(moment.strftime("%Y-%m-%d %H:%M:%S"), String)
    return literal(moment, Work.updated_at.type)


# --- tombstones ------------------------------------------------------------------------------------------------------

def sync_deletions(conn: Connection, now: datetime) -> None:
    """Tombstone works no licence lets be displayed today, lift the tombstones of works available again (with ``now``
    as their new datestamp), and drop tombstones of removed works whose key was imported again."""
    blocked = unavailable(conn, "display").blocked
    held = dict(conn.execute(select(OaiDeletion.work_id, OaiDeletion.id).where(OaiDeletion.reason == LICENCE)).all())
    new = sorted(set(blocked) - set(held))
    if new:
        rows = [{"work_key": key, "work_id": wid, "source": source, "kind": kind, "datestamp": now, "reason": LICENCE}
                for wid, key, source, kind in conn.execute(
                    select(Work.id, Work.key, Work.source, Work.kind).where(Work.id.in_(new)))]
        if rows:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(insert(OaiDeletion).values(rows).on_conflict_do_nothing(index_elements=["work_key"]))
    back = [wid for wid in held if wid not in blocked]
    if back:
        conn.execute(delete(OaiDeletion).where(OaiDeletion.id.in_([held[w] for w in back])))
        conn.execute(update(Work).where(Work.id.in_(back)).values(updated_at=now))
    returned = select(Work.id).where(Work.key == OaiDeletion.work_key).exists()
    if conn.scalar(select(func.count()).select_from(OaiDeletion).where(OaiDeletion.reason != LICENCE, returned)):
        conn.execute(delete(OaiDeletion).where(OaiDeletion.reason != LICENCE, returned))


# --- sets ------------------------------------------------------------------------------------------------------------

def _exhibitions(conn: Connection) -> dict[str, tuple[str, frozenset[str]]]:
    """Published exhibitions: setSpec → (title, work keys)."""
    return {f"exhibition:{e['proposal_id']}": (str(e["title"]), frozenset(e["works"])) for e in exhibitions(conn)}


def list_sets(conn: Connection) -> list[tuple[str, str]]:
    """(setSpec, setName): works by kind, by source, and the published exhibitions."""
    found = [("kind", "Works by kind")]
    found += [(f"kind:{k}", f"Kind: {k}") for k in sorted(conn.scalars(select(Work.kind).distinct()))
              if SET_SPEC.match(f"kind:{k}")]
    found.append(("source", "Works by source"))
    found += [(f"source:{s}", f"Source: {s}") for s in sorted(conn.scalars(select(Work.source).distinct()))
              if SET_SPEC.match(f"source:{s}")]
    shows = _exhibitions(conn)
    if shows:
        found.append(("exhibition", "Works in published exhibitions"))
        found += [(spec, f"Exhibition: {title}") for spec, (title, _) in shows.items()]
    return found


class Selection:
    """A list's set and date bounds as conditions on either stream, and the sets each record belongs to."""

    def __init__(self, conn: Connection, set_spec: str | None, start: datetime | None, end: datetime | None,
                 frozen: str) -> None:
        self.conn, self.set_spec, self.start, self.end, self.frozen = conn, set_spec, start, end, frozen
        self.shows = _exhibitions(conn)

    def where(self, key: ColumnElement, source: ColumnElement, kind: ColumnElement, stamp: ColumnElement) -> list[ColumnElement]:
        conn, spec = self.conn, self.set_spec
        conditions = [stamp <= _bound(conn, self.frozen)]
        if self.start is not None:
            conditions.append(stamp >= _second(conn, self.start))
        if self.end is not None:
            conditions.append(stamp < _second(conn, self.end))
        if spec is None or spec in ("kind", "source"):
            pass
        elif spec.startswith("kind:"):
            conditions.append(kind == spec[5:])
        elif spec.startswith("source:"):
            conditions.append(source == spec[7:])
        elif spec == "exhibition":
            keys = sorted(set().union(*(works for _, works in self.shows.values())))
            conditions.append(key.in_(keys) if keys else false())
        elif spec in self.shows:
            conditions.append(key.in_(sorted(self.shows[spec][1])))
        else:
            conditions.append(false())
        return conditions

    def sets_of(self, key: str, source: str, kind: str) -> tuple[str, ...]:
        specs = [s for s in (f"kind:{kind}", f"source:{source}") if SET_SPEC.match(s)]
        return tuple(specs + [spec for spec, (_, works) in self.shows.items() if key in works])


# --- pages -----------------------------------------------------------------------------------------------------------

def _after(stamp: ColumnElement, ident: ColumnElement, stream: int, cursor: Cursor | None, conn: Connection) -> ColumnElement:
    """Rows of ``stream`` after ``cursor`` in (datestamp, stream, id) order. The same stream's condition starts with
    ``stamp >= at`` so that both stores read one range of the (datestamp, id) index in order and stop at the page's
    end (an OR alone makes SQLite sort every later row on each page)."""
    if cursor is None:
        return true()
    at = _bound(conn, cursor.stamp)
    if stream > cursor.stream:
        return stamp >= at
    if stream < cursor.stream:
        return stamp > at
    return and_(stamp >= at, or_(stamp > at, and_(stamp == at, ident > cursor.id)))


def _live(conn: Connection, sel: Selection, cursor: Cursor | None, limit: int | None):
    stamp = _stamp(conn, Work.updated_at)
    gone = exists().where(OaiDeletion.work_key == Work.key)
    stmt = select(Work.id, Work.key, Work.source, Work.kind, stamp).where(
        ~gone, _after(stamp, Work.id, LIVE, cursor, conn), *sel.where(Work.key, Work.source, Work.kind, stamp))
    return stmt.order_by(Work.updated_at, Work.id).limit(limit) if limit else stmt


def _deleted(conn: Connection, sel: Selection, cursor: Cursor | None, limit: int | None):
    d = OaiDeletion
    stamp = _stamp(conn, d.datestamp)
    stmt = select(d.id, d.work_key, d.source, d.kind, stamp).where(
        _after(stamp, d.id, DELETED, cursor, conn), *sel.where(d.work_key, d.source, d.kind, stamp))
    return stmt.order_by(d.datestamp, d.id).limit(limit) if limit else stmt


def _raw(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def page(conn: Connection, sel: Selection, cursor: Cursor | None, size: int) -> tuple[list[Item], bool]:
    """Up to ``size`` records after ``cursor`` in (datestamp, stream, id) order, and whether more follow."""
    items = [Item(stream, int(i), key, source, kind, _raw(raw), sel.sets_of(key, source, kind))
             for stream, query in ((LIVE, _live), (DELETED, _deleted))
             for i, key, source, kind, raw in conn.execute(query(conn, sel, cursor, size + 1))]
    textual = conn.dialect.name == "sqlite"  # the order the keyset conditions use: the stored text, or the moment
    items.sort(key=lambda it: (it.raw if textual else as_moment(it.raw), it.stream, it.id))
    return items[:size], len(items) > size


def count(conn: Connection, sel: Selection) -> int:
    """How many records the whole list holds (the completeListSize of its first page)."""
    return sum(int(conn.scalar(select(func.count()).select_from(query(conn, sel, None, None).subquery())) or 0)
               for query in (_live, _deleted))


def find(conn: Connection, key: str) -> Item | None:
    """The live work or tombstone with this key (GetRecord, ListMetadataFormats)."""
    sel = Selection(conn, None, None, None, raw_of(conn, datetime.max.replace(tzinfo=UTC)))
    gone = conn.execute(select(OaiDeletion.id, OaiDeletion.source, OaiDeletion.kind, _stamp(conn, OaiDeletion.datestamp))
                        .where(OaiDeletion.work_key == key)).first()
    if gone is not None:
        return Item(DELETED, int(gone[0]), key, gone[1], gone[2], _raw(gone[3]), sel.sets_of(key, gone[1], gone[2]))
    live = conn.execute(select(Work.id, Work.source, Work.kind, _stamp(conn, Work.updated_at)).where(Work.key == key)).first()
    if live is None:
        return None
    return Item(LIVE, int(live[0]), key, live[1], live[2], _raw(live[3]), sel.sets_of(key, live[1], live[2]))


def records(conn: Connection, items: Sequence[Item]) -> dict[int, WorkRecord]:
    """Work id → its frozen record, for the live items of a page (three Core selects: works, terms, credits)."""
    return records_by_ids(conn, [it.id for it in items if it.stream == LIVE])


def earliest(conn: Connection, now: datetime) -> datetime:
    """The earliest datestamp of any record (now, in an empty repository)."""
    found = [v for v in (conn.scalar(select(func.min(Work.updated_at))), conn.scalar(select(func.min(OaiDeletion.datestamp))))
             if v is not None]
    return min(found) if found else now
