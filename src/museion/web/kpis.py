"""Aggregates for the staff dashboard: catalogue, audience and activity over time.

Counts only — no member keys, no per-member rows leave the database — so analysts may see all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, distinct, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from museion.store.models import Creator, Event, Member, Work

YEAR_RANGE = (-3000, 2100)  # plausible creation years; catalogues hold typos and placeholders outside it


@dataclass(frozen=True)
class Series:
    """One chart's data: x labels and their counts (and a second count where the chart has two)."""

    x: list[Any]
    y: list[int]
    y2: list[int] | None = None


def _month(conn: Connection) -> ColumnElement[str]:
    """'YYYY-MM' of an event's epoch-seconds timestamp, in the dialect's own date functions."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", func.to_timestamp(Event.occurred_at)), literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", Event.occurred_at, "unixepoch")


def activity_by_month(conn: Connection) -> Series:
    """Events and distinct active members per calendar month (UTC), oldest first."""
    month = _month(conn).label("month")
    rows = conn.execute(select(month, func.count(), func.count(distinct(Event.member_id)))
                        .where(Event.occurred_at.is_not(None)).group_by(month).order_by(month)).all()
    return Series([r[0] for r in rows], [int(r[1]) for r in rows], [int(r[2]) for r in rows])


def works_by_kind(conn: Connection) -> Series:
    rows = conn.execute(select(Work.kind, func.count()).group_by(Work.kind).order_by(func.count().desc(), Work.kind)).all()
    return Series([r[0] for r in rows], [int(r[1]) for r in rows])


def works_by_decade(conn: Connection) -> Series:
    """Works per decade of creation (year rounded down to the decade)."""
    decade = ((Work.year // 10) * 10).label("decade")
    rows = conn.execute(select(decade, func.count()).where(Work.year.between(*YEAR_RANGE))
                        .group_by(decade).order_by(decade)).all()
    return Series([int(r[0]) for r in rows], [int(r[1]) for r in rows])


def acquisitions_by_year(conn: Connection) -> Series:
    rows = conn.execute(select(Work.acquisition_year, func.count()).where(Work.acquisition_year.between(*YEAR_RANGE))
                        .group_by(Work.acquisition_year).order_by(Work.acquisition_year)).all()
    return Series([int(r[0]) for r in rows], [int(r[1]) for r in rows])


def totals(conn: Connection) -> dict[str, int]:
    """Headline counts: works, creators, members and events."""
    count = lambda model: int(conn.scalar(select(func.count()).select_from(model)) or 0)  # noqa: E731
    return {"works": count(Work), "creators": count(Creator), "members": count(Member), "events": count(Event)}


def overview(conn: Connection) -> dict[str, Any]:
    """Everything the overview page shows, in one read."""
    activity = activity_by_month(conn)
    return {"totals": totals(conn), "activity": activity, "kinds": works_by_kind(conn), "decades": works_by_decade(conn),
            "acquisitions": acquisitions_by_year(conn),
            "last_month": (activity.x[-1], activity.y[-1], activity.y2[-1]) if activity.x else None}
