"""What the store holds after its imports: catalogue counts, and audience counts through the privacy gate
(purpose analytics: counts only, small cells suppressed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.ingest.models import ImportRun
from museion.privacy import aggregates


def _grouped(conn: Connection, column: Any) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).group_by(column).order_by(func.count().desc(), column))
    return {str(k): int(v) for k, v in rows}


def store_stats(conn: Connection, *, actor: str) -> dict[str, Any]:
    """Counts of works, creators, members and events, broken down by kind and source; the caller's
    transaction must commit, since the audience counts leave an access record."""
    count = lambda model: int(conn.scalar(select(func.count()).select_from(model)) or 0)  # noqa: E731
    return {
        "works": count(Work),
        "works_by_kind": _grouped(conn, Work.kind),
        "works_by_source": _grouped(conn, Work.source),
        "creators": count(Creator),
        "creators_by_source": _grouped(conn, Creator.source),
        "credits": count(Credit),
        "terms_by_vocabulary": _grouped(conn, WorkTerm.vocabulary),
        **aggregates.activity_totals(conn, actor=actor),
        "imports": count(ImportRun),
    }
