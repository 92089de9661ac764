"""Use of works counted for rights reporting (purpose ``analytics``): per work, how many events of each kind and how
many served-list appearances fell in a period, and how many distinct members that was. Counts only, never a row about
one member; each call is one access record. The caller applies the small-cell rule (``SMALL_CELL`` members) before
anything leaves the organisation, see ``museion.rights.usage``."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, distinct, func, select

from museion.privacy.access import gated
from museion.privacy.access_log import record
from museion.privacy.aggregates import PURPOSE, SMALL_CELL
from museion.privacy.consent import current_purpose, participants
from museion.privacy.models import Event, ServedEntry

__all__ = ["SMALL_CELL", "WorkUse", "served_works", "work_usage"]


@dataclass(slots=True)
class WorkUse:
    """One work's use in a period: events by kind, served-list appearances, and distinct members behind them."""

    events: Counter[str] = field(default_factory=Counter)
    served: int = 0
    members: int = 0


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, UTC), datetime.combine(end + timedelta(days=1), time.min, UTC)


@gated
def work_usage(conn: Connection, work_ids: Collection[int], start: date, end: date, *, actor: str) -> dict[int, WorkUse]:
    """Use of ``work_ids`` from ``start`` to ``end`` (days included, UTC) by members taking part in analytics."""
    declared = current_purpose(conn, PURPOSE)
    taking_part = participants(declared)
    since, until = _bounds(start, end)
    out: dict[int, WorkUse] = defaultdict(WorkUse)
    members: dict[int, set[int]] = defaultdict(set)
    if work_ids:
        ids = list(work_ids)
        rows = conn.execute(select(Event.work_id, Event.kind, func.count(), func.count(distinct(Event.member_id)))
                            .where(Event.work_id.in_(ids), Event.member_id.in_(taking_part),
                                   Event.occurred_at >= int(since.timestamp()), Event.occurred_at < int(until.timestamp()))
                            .group_by(Event.work_id, Event.kind))
        distinct_event_members = dict(conn.execute(
            select(Event.work_id, func.count(distinct(Event.member_id)))
            .where(Event.work_id.in_(ids), Event.member_id.in_(taking_part),
                   Event.occurred_at >= int(since.timestamp()), Event.occurred_at < int(until.timestamp()))
            .group_by(Event.work_id)).all())
        for work_id, kind, n, _m in rows:
            out[int(work_id)].events[str(kind)] += int(n)
        wanted = set(ids)
        for member_id, listed in conn.execute(select(ServedEntry.member_id, ServedEntry.work_ids).where(
                ServedEntry.member_id.in_(taking_part), ServedEntry.served_at >= since, ServedEntry.served_at < until)):
            for w in set(listed or ()) & wanted:
                out[w].served += 1
                members[w].add(int(member_id))
        for w in out:
            # distinct members over events and served lists together is not additive; the larger bounds it below
            out[w].members = max(int(distinct_event_members.get(w, 0)), len(members[w]))
    total = sum(sum(u.events.values()) + u.served for u in out.values())
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=total,
           members=max((u.members for u in out.values()), default=0),
           details={"aggregate": "work_usage", "works": len(work_ids), "start": start.isoformat(), "end": end.isoformat()})
    return dict(out)


@gated
def served_works(conn: Connection, start: date, end: date, *, actor: str) -> set[int]:
    """Ids of the works that appeared in any served list from ``start`` to ``end`` (members taking part in analytics)."""
    declared = current_purpose(conn, PURPOSE)
    since, until = _bounds(start, end)
    lists = conn.execute(select(ServedEntry.work_ids).where(ServedEntry.member_id.in_(participants(declared)),
                                                            ServedEntry.served_at >= since, ServedEntry.served_at < until)).all()
    works = {int(w) for (listed,) in lists for w in listed or ()}
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=len(lists), members=0,
           details={"aggregate": "served_works", "start": start.isoformat(), "end": end.isoformat()})
    return works
