"""Quarantine of member profiles people judged suspicious (fake rating profiles found by museion.risk and confirmed in
the review queue): while a quarantine is unreleased, the gate leaves the member's activity out of reads for
personalisation, so no model trains on it. Nothing is deleted; releasing restores the member at once. Every change is
audited without member ids in the chain's details (the target names the member the usual way)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from museion import audit
from museion.privacy.access import gated
from museion.privacy.models import Member, MemberQuarantine
from museion.store.base import utcnow


def active() -> Select:
    """Ids of members under an unreleased quarantine (a subquery for the gate)."""
    return select(MemberQuarantine.member_id).where(MemberQuarantine.released_at.is_(None))


@gated
def quarantine(conn: Connection, member_ids: Sequence[int], *, actor: str, reason: str, alert_id: int | None = None,
               proposal_id: int | None = None) -> int:
    """Quarantine the members that exist and are not quarantined already; the number newly quarantined."""
    wanted = sorted({int(m) for m in member_ids})
    if not wanted:
        return 0
    existing = set(conn.scalars(select(Member.id).where(Member.id.in_(wanted))))
    already = set(conn.scalars(active().where(MemberQuarantine.member_id.in_(wanted))))
    new = [m for m in wanted if m in existing and m not in already]
    if new:
        conn.execute(insert(MemberQuarantine), [
            {"member_id": m, "reason": reason[:256], "alert_id": alert_id, "proposal_id": proposal_id,
             "quarantined_by": actor, "created_at": utcnow()} for m in new])
        audit.record(conn, actor=actor, action="privacy.quarantine", target=f"risk_alert:{alert_id or 0}",
                     details={"members": len(new), "proposal": proposal_id})
    return len(new)


@gated
def release(conn: Connection, *, actor: str, proposal_id: int | None = None, alert_id: int | None = None,
            member_ids: Sequence[int] | None = None) -> int:
    """Release the quarantines a queue decision made (``proposal_id``), those behind a risk alert (``alert_id``) or
    of ``member_ids``; the number released."""
    query = update(MemberQuarantine).where(MemberQuarantine.released_at.is_(None))
    if alert_id is not None:
        query = query.where(MemberQuarantine.alert_id == alert_id)
    elif proposal_id is not None:
        query = query.where(MemberQuarantine.proposal_id == proposal_id)
    elif member_ids:
        query = query.where(MemberQuarantine.member_id.in_([int(m) for m in member_ids]))
    else:
        return 0
    released = conn.execute(query.values(released_at=utcnow(), released_by=actor)).rowcount
    if released:
        audit.record(conn, actor=actor, action="privacy.quarantine_release", target=f"risk_alert:{alert_id or 0}",
                     details={"members": int(released), "proposal": proposal_id})
    return int(released)


@gated
def summary(conn: Connection) -> dict[str, Any]:
    """How many members are quarantined now and were ever (counts only: no member ids leave here)."""
    rows = conn.execute(select(MemberQuarantine.released_at)).all()
    return {"active": sum(r.released_at is None for r in rows), "released": sum(r.released_at is not None for r in rows)}


@gated
def of_member(conn: Connection, member_id: int) -> list[dict[str, Any]]:
    """One member's quarantines, for their own copy of their data: why, when, on whose decision, and any release."""
    rows = conn.execute(select(MemberQuarantine.__table__).where(MemberQuarantine.member_id == member_id)
                        .order_by(MemberQuarantine.id))
    return [{"reason": r.reason, "alert": r.alert_id, "decision": r.proposal_id, "by": r.quarantined_by,
             "at": r.created_at, "released_at": r.released_at} for r in rows]
