"""Reading the audit chain: entries filtered by actor, action, target, time and position."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select

from museion.audit.models import AuditEntry
from museion.store.base import as_utc


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to list; a naive ``since``/``until`` is taken as UTC, an ``action`` ending in ``.`` as a prefix."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0


def _filtered(f: AuditFilter) -> Select[Any]:
    query = select(*AuditEntry.__table__.c).where(AuditEntry.seq > f.after_seq)
    if f.actor:
        query = query.where(AuditEntry.actor == f.actor)
    if f.action:  # "consent." matches every consent action
        query = query.where(AuditEntry.action.startswith(f.action, autoescape=True) if f.action.endswith(".")
                            else AuditEntry.action == f.action)
    if f.target:
        query = query.where(AuditEntry.target == f.target)
    if f.since:
        query = query.where(AuditEntry.at >= as_utc(f.since))
    if f.until:
        query = query.where(AuditEntry.at < as_utc(f.until))
    return query


def entries(conn: Connection, f: AuditFilter, limit: int = 100) -> list[dict[str, Any]]:
    """Entries matching ``f`` in seq order, as plain dicts (``at`` in UTC, details parsed)."""
    rows = conn.execute(_filtered(f).order_by(AuditEntry.seq).limit(limit))
    return [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
             "target": e.target, "details": json.loads(e.details), "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
