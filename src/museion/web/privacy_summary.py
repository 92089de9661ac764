"""What the privacy officer's page reads: purposes with consent counts, open data-subject requests, DP budgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from museion.privacy.consent import current_purposes
from museion.privacy.models import Consent, PrivacyBudgetRecord, SubjectRequest
from museion.privacy.releases import budget


@dataclass(frozen=True)
class PurposeRow:
    code: str
    version: int
    name: str
    legal_basis: str
    categories: list[str]
    retention_days: int | None
    granted: int  # members whose latest decision grants it
    withdrawn: int  # members whose latest decision withdraws (or objects)


def purposes_with_consents(conn: Connection) -> list[PurposeRow]:
    """Every current purpose and how many members' latest decision grants or withdraws it."""
    latest = select(func.max(Consent.id)).group_by(Consent.member_id, Consent.purpose)
    counts = dict((p, (int(g or 0), int(w or 0))) for p, g, w in conn.execute(
        select(Consent.purpose, func.sum(case((Consent.granted, 1), else_=0)), func.sum(case((Consent.granted, 0), else_=1)))
        .where(Consent.id.in_(latest)).group_by(Consent.purpose)))
    return [PurposeRow(p.code, p.version, p.name, p.legal_basis, list(p.categories or []), p.retention_days,
                       *counts.get(p.code, (0, 0))) for p in current_purposes(conn)]


def requests(conn: Connection, *, open_only: bool, limit: int = 200, now: datetime | None = None) -> list[dict[str, Any]]:
    """Data-subject requests, soonest due first, each flagged ``overdue`` when open past its due date."""
    now = now or datetime.now(UTC)
    q = select(SubjectRequest.id, SubjectRequest.kind, SubjectRequest.status, SubjectRequest.channel, SubjectRequest.received_at,
               SubjectRequest.due_at, SubjectRequest.verified_at, SubjectRequest.closed_at)
    if open_only:
        q = q.where(SubjectRequest.closed_at.is_(None))
    rows = conn.execute(q.order_by(SubjectRequest.due_at, SubjectRequest.id).limit(limit)).mappings()
    aware = lambda moment: moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)  # noqa: E731 (SQLite drops zones)
    return [{**row, "due_at": aware(row["due_at"]), "received_at": aware(row["received_at"]),
             "overdue": row["closed_at"] is None and aware(row["due_at"]) < now} for row in rows]


def budgets(conn: Connection) -> list[dict[str, Any]]:
    """Each dataset's total epsilon, what releases spent (exact, from the ledger), what remains, how many releases."""
    rows = []
    for dataset in conn.scalars(select(PrivacyBudgetRecord.dataset).order_by(PrivacyBudgetRecord.dataset)):
        ledger = budget(conn, dataset)
        rows.append({"dataset": dataset, "total": ledger.total_epsilon, "spent": ledger.spent, "remaining": ledger.remaining,
                     "releases": len(ledger.spends)})
    return rows
