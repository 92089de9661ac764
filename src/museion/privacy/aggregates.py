"""Consented aggregates of audience activity for dashboards and statistics (purpose ``analytics``).

Counts only, never a row about one member; a monthly cell with fewer than ``SMALL_CELL`` distinct members
is suppressed (reported as None) so a quiet month cannot single someone out. Each call is one access record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, distinct, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from museion.privacy.access import gated
from museion.privacy.access_log import record
from museion.privacy.consent import current_purpose, participants
from museion.privacy.models import Event, Member

PURPOSE = "analytics"
SMALL_CELL = 5  # fewest distinct members a published count may describe


@dataclass(frozen=True, slots=True)
class MonthlyActivity:
    """Events and distinct active members per calendar month (UTC), oldest first; None where suppressed."""

    months: list[str]
    events: list[int | None]
    members: list[int | None]


def _month(conn: Connection) -> ColumnElement[str]:
    """'YYYY-MM' of an event's epoch-seconds timestamp, in the dialect's own date functions."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", func.to_timestamp(Event.occurred_at)), literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", Event.occurred_at, "unixepoch")


def _suppressed(count: int, members: int) -> int | None:
    return count if members >= SMALL_CELL else None


@gated
def activity_totals(conn: Connection, *, actor: str, source: str | None = None) -> dict[str, Any]:
    """Members and events taking part in analytics, events by kind (small cells suppressed), first and last event."""
    declared = current_purpose(conn, PURPOSE)
    taking_part = participants(declared)
    events = select(Event.kind, Event.member_id, Event.occurred_at).where(Event.member_id.in_(taking_part))
    members = select(func.count()).select_from(Member).where(Member.id.in_(taking_part))
    if source is not None:
        in_source = select(Member.id).where(Member.source == source)
        events = events.where(Event.member_id.in_(in_source))
        members = members.where(Member.source == source)
    scoped = events.subquery()
    n_members = int(conn.scalar(members) or 0)
    n_events, first, last = conn.execute(select(func.count(), func.min(scoped.c.occurred_at), func.max(scoped.c.occurred_at))).one()
    by_kind = {kind: _suppressed(int(n), int(m)) for kind, n, m in conn.execute(
        select(scoped.c.kind, func.count(), func.count(distinct(scoped.c.member_id))).group_by(scoped.c.kind)
        .order_by(func.count().desc(), scoped.c.kind))}
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=int(n_events), members=n_members,
           details={"aggregate": "totals", "source": source})
    return {"members": n_members, "events": int(n_events), "events_by_kind": by_kind, "first_event_at": first, "last_event_at": last}


@gated
def activity_by_month(conn: Connection, *, actor: str) -> MonthlyActivity:
    """Events and distinct active members per month, of members taking part in analytics."""
    declared = current_purpose(conn, PURPOSE)
    month = _month(conn).label("month")
    rows = conn.execute(select(month, func.count(), func.count(distinct(Event.member_id)))
                        .where(Event.occurred_at.is_not(None), Event.member_id.in_(participants(declared)))
                        .group_by(month).order_by(month)).all()
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=sum(int(r[1]) for r in rows),
           members=max((int(r[2]) for r in rows), default=0), details={"aggregate": "by_month"})
    return MonthlyActivity([r[0] for r in rows], [_suppressed(int(r[1]), int(r[2])) for r in rows],
                           [_suppressed(int(r[2]), int(r[2])) for r in rows])


@gated
def member_count(conn: Connection, *, actor: str, source: str | None = None) -> int:
    """How many members take part in analytics (of one source, or all)."""
    return int(activity_totals(conn, actor=actor, source=source)["members"])
