"""Reads of members and events as arrays for the AI cores (one query, no ORM objects per row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Select, select

from museion.errors import NotFound
from museion.privacy.access import gated
from museion.privacy.intake import member_keys
from museion.privacy.models import Event, Member
from museion.privacy.tombstones import audit_target
from museion.store.batches import rows_in_batches


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

    Reads personal data: only ``museion.privacy.gate`` calls it, supplying ``members``.
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


def _stored_ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    rows = rows_in_batches(conn, lambda batch: select(Member.key, Member.id).where(Member.key.in_(batch)), list(keys))
    return {key: int(member_id) for key, member_id in rows}


def member_ids_for(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    """Database ids of the members named by ``refs`` (unknown ones are left out); called inside the gate.

    A reference is the stored key, or the organisation's own ``SOURCE:ID`` as it was imported, which is
    resolved through the installation's pseudonym key — so people can name members by the ids they know."""
    found = _stored_ids(conn, refs)
    by_source: dict[str, dict[str, str]] = {}
    for ref in refs:
        source, sep, external_id = ref.partition(":")
        if ref not in found and sep and external_id:
            by_source.setdefault(source, {})[ref] = external_id
    for source, wanted in by_source.items():
        stored = {ref: key for ref, key in zip(wanted, map(member_keys(source), wanted.values()), strict=True)}
        ids = _stored_ids(conn, list(stored.values()))
        found.update({ref: ids[key] for ref, key in stored.items() if key in ids})
    return found


def unknown_member(ref: str) -> NotFound:
    return NotFound(f"no member with key or reference {ref!r} (name a member by its stored key, or by SOURCE:ID as "
                    "your files gave it, e.g. library:P001)")


def member_keys_for(conn: Connection, member_ids: Sequence[int]) -> dict[int, str]:
    """Keys of the members with these ids (erased ones are left out); called inside the gate."""
    rows = rows_in_batches(conn, lambda batch: select(Member.id, Member.key).where(Member.id.in_(batch)), list(member_ids))
    return {int(member_id): key for member_id, key in rows}


@gated
def member_target(conn: Connection, member_id: int) -> str:
    """The audit target for a member: keyed with the erasure secret, never the key, so it identifies nobody after erasure."""
    return audit_target(str(conn.scalar(select(Member.key).where(Member.id == member_id))))
