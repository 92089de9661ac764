"""Aggregates for the staff dashboard: catalogue, audience and activity over time.

Catalogue counts come from the catalogue; audience counts come through the privacy gate (purpose analytics,
small cells suppressed), so analysts may see all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from museion.catalog.models import Creator, Work
from museion.privacy import aggregates

YEAR_RANGE = (-3000, 2100)  # plausible creation years; catalogues hold typos and placeholders outside it


@dataclass(frozen=True)
class Series:
    """One chart's data: x labels and their counts (and a second count where the chart has two)."""

    x: list[Any]
    y: list[int | None]
    y2: list[int | None] | None = None


def activity_by_month(conn: Connection, *, actor: str) -> Series:
    """Events and distinct active members per calendar month (UTC), oldest first (None where suppressed)."""
    monthly = aggregates.activity_by_month(conn, actor=actor)
    return Series(monthly.months, monthly.events, monthly.members)


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


def totals(conn: Connection, *, actor: str) -> dict[str, int]:
    """Headline counts: works, creators, members and events."""
    count = lambda model: int(conn.scalar(select(func.count()).select_from(model)) or 0)  # noqa: E731
    audience = aggregates.activity_totals(conn, actor=actor)
    return {"works": count(Work), "creators": count(Creator), "members": audience["members"], "events": audience["events"]}


def overview(conn: Connection, *, actor: str) -> dict[str, Any]:
    """Everything the overview page shows, in one read."""
    activity = activity_by_month(conn, actor=actor)
    return {"totals": totals(conn, actor=actor), "activity": activity, "kinds": works_by_kind(conn), "decades": works_by_decade(conn),
            "acquisitions": acquisitions_by_year(conn),
            "last_month": (activity.x[-1], activity.y[-1], activity.y2[-1]) if activity.x else None}
