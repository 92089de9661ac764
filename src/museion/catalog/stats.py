"""Catalogue and activity statistics: counts only, no personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from museion.store.models import Creator, Credit, Event, ImportRun, Member, Work, WorkTerm


def _grouped(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column).order_by(func.count().desc(), column))
    return {str(k): int(v) for k, v in rows}


def catalogue_stats(session: Session) -> dict[str, Any]:
    """Counts of works, creators, members and events, broken down by kind and source."""
    count = lambda model: int(session.scalar(select(func.count()).select_from(model)) or 0)  # noqa: E731
    first, last = session.execute(select(func.min(Event.occurred_at), func.max(Event.occurred_at))).one()
    return {
        "works": count(Work),
        "works_by_kind": _grouped(session, Work.kind),
        "works_by_source": _grouped(session, Work.source),
        "creators": count(Creator),
        "creators_by_source": _grouped(session, Creator.source),
        "credits": count(Credit),
        "terms_by_vocabulary": _grouped(session, WorkTerm.vocabulary),
        "members": count(Member),
        "events": count(Event),
        "events_by_kind": _grouped(session, Event.kind),
        "first_event_at": first,
        "last_event_at": last,
        "imports": count(ImportRun),
    }
