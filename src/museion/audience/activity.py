"""Reads of members and events as arrays for the AI cores (one query, no ORM objects per row)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Select, bindparam, select

from museion.errors import NotFound
from museion.store.models import Event, Member


@dataclass(frozen=True, slots=True)
class EventArrays:
    """One entry per event; timestamps are epoch seconds with NaN where an event has none."""

    member_ids: np.ndarray
    work_ids: np.ndarray
    kinds: np.ndarray
    values: np.ndarray
    timestamps: np.ndarray

    def __len__(self) -> int:
        return len(self.member_ids)

    @property
    def has_timestamps(self) -> bool:
        return bool(len(self)) and not np.isnan(self.timestamps).any()


def event_arrays(conn: Connection, *, source: str | None = None, kinds: frozenset[str] | None = None,
                 members: Select | None = None) -> EventArrays:
    """Events of one member source (or all), optionally of some kinds and some members only, as arrays.

    Reads personal data: call it through ``museion.privacy.gate``, which supplies ``members``.
    """
    q = select(Event.member_id, Event.work_id, Event.kind, Event.value, Event.occurred_at)
    if members is not None:
        q = q.where(Event.member_id.in_(members))
    if source is not None:
        q = q.join(Member, Member.id == Event.member_id).where(Member.source == source)
    if kinds is not None:
        q = q.where(Event.kind.in_(sorted(kinds)))
    rows = conn.execute(q.order_by(Event.id)).all()
    if not rows:
        empty = np.empty(0)
        return EventArrays(empty.astype(np.int64), empty.astype(np.int64), empty.astype(str), empty, empty)
    members, works, kind, value, when = zip(*rows)
    return EventArrays(
        np.fromiter(members, np.int64, len(rows)),
        np.fromiter(works, np.int64, len(rows)),
        np.array(kind, dtype=str),
        np.array([np.nan if v is None else v for v in value], dtype=np.float64),
        np.array([np.nan if t is None else t for t in when], dtype=np.float64),
    )


_MEMBER_ID = select(Member.id).where(Member.key == bindparam("key"))  # built once: asked on every request


def member_id_for(conn: Connection, key: str) -> int:
    """The database id of the member with this pseudonymous key, or NotFound."""
    member_id = conn.scalar(_MEMBER_ID, {"key": key})
    if member_id is None:
        raise NotFound(f"no member with key {key!r}")
    return int(member_id)
