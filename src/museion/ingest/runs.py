"""The record every import leaves: one ``import_runs`` row and one audit entry, for a file or a whole dataset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from museion import audit
from museion.ingest.models import ImportRun
from museion.store.base import utcnow


def record_run(conn: Connection, *, entity: str, source: str, file_name: str, file_sha256: str | None, started_at: datetime,
               totals: dict[str, int], actor: str, action: str, details: dict[str, Any]) -> int:
    """Record a landed import (``totals``: rows_read, inserted, updated, unchanged) and append it to the audit chain."""
    run_id = conn.execute(insert(ImportRun.__table__).values(
        entity=entity, source=source, file_name=file_name, file_sha256=file_sha256, started_at=started_at,
        finished_at=utcnow(), **totals,
    ).returning(ImportRun.__table__.c.id)).scalar_one()
    audit.record(conn, actor=actor, action=action, target=f"import:{run_id}", details={**details, **totals})
    return int(run_id)


def landed_before(conn: Connection, entity: str, file_sha256: str) -> bool:
    """Whether an import of ``entity`` with exactly this content fingerprint has landed already."""
    return conn.scalar(select(ImportRun.id).where(ImportRun.entity == entity, ImportRun.file_sha256 == file_sha256)
                       .limit(1)) is not None
