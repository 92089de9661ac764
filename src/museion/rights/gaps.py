"""Which works were used, per use, for the gaps report: served in lists (display, read through the privacy gate) and,
once the catalogue was exported in the period (an ``export.works`` audit entry), every work exported (reproduce)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, select

from museion.audit.models import AuditEntry
from museion.catalog.models import Work
from museion.privacy.usage import served_works
from museion.rights.availability import unavailable


def used_works(conn: Connection, start: date, end: date, *, actor: str) -> dict[str, set[int]]:
    since = datetime.combine(start, time.min, UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, UTC)
    used = {"display": served_works(conn, start, end, actor=actor), "reproduce": set()}
    exported = conn.scalar(select(AuditEntry.seq).where(AuditEntry.action == "export.works", AuditEntry.at >= since,
                                                        AuditEntry.at < until).limit(1))
    if exported is not None:  # an export writes every work the availability rule allows
        withheld = unavailable(conn, "reproduce").blocked
        used["reproduce"] = {int(w) for w in conn.scalars(select(Work.id)) if int(w) not in withheld}
    return used
