"""The one access gate for personal data: a read names its purpose and its actor; the gate keeps only
the members taking part in that purpose, returns only the categories the purpose may use, and records
the access (a row for the privacy officer, and an entry in the audit chain without any member ids).
Models, reports and pages read members and events through here and nowhere else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select

from museion.audience.activity import EventArrays, event_arrays
from museion.errors import MuseionError
from museion.privacy.consent import current_purpose, participants, separately_consented, takes_part
from museion.privacy.datamap import CATEGORIES, category_of
from museion.privacy.models import AccessRecord
from museion.security import audit
from museion.store.models import Member


class PurposeRefused(MuseionError):
    """The purpose does not cover the data asked for."""


def _covered(declared: Row, category: str) -> None:
    if category not in declared.categories:
        raise PurposeRefused(f"the purpose {declared.code!r} does not cover {category} data (it covers: "
                             f"{', '.join(declared.categories) or 'nothing'})")


def _record(conn: Connection, *, actor: str, declared: Row, categories: list[str], rows: int, members: int,
            details: dict[str, Any]) -> None:
    """The access, as a row (with its details) and as an audit entry (counts only)."""
    conn.execute(insert(AccessRecord).values(actor=actor, purpose=declared.code, categories=categories, rows=rows,
                                             members=members, details={**details, "purpose_version": declared.version}))
    audit.record(conn, actor=actor, action="gate.read", target=f"purpose:{declared.code}",
                 details={"categories": categories, "rows": rows, "members": members,
                          "purpose_version": declared.version})


def read_activity(conn: Connection, *, purpose: str, actor: str, source: str | None = None,
                  kinds: frozenset[str] | None = None, member_id: int | None = None) -> EventArrays:
    """Events of the members taking part in ``purpose`` (consented, or not objecting), recorded as an access.

    ``member_id`` narrows the read to one member (empty when they do not take part)."""
    declared = current_purpose(conn, purpose)
    _covered(declared, "activity")
    members: Select = participants(declared)
    if member_id is not None:
        members = select(Member.id).where(Member.id == member_id, Member.id.in_(members))
    events = event_arrays(conn, source=source, kinds=kinds, members=members)
    _record(conn, actor=actor, declared=declared, categories=["activity"], rows=len(events),
            members=len(set(events.member_ids.tolist())),
            details={"source": source, "kinds": sorted(kinds) if kinds else None, "one_member": member_id is not None})
    return events


def read_members(conn: Connection, *, purpose: str, actor: str, fields: list[str],
                 source: str | None = None) -> list[dict[str, Any]]:
    """Member attributes (``fields``: columns of ``members`` such as age, gender) for ``purpose``.

    Only fields in categories the purpose covers; only members taking part in the purpose; and for a
    sensitive category (demographics: minors, …) only members who gave that category its own consent
    under this purpose. Each row holds ``member_id`` and the fields asked for.
    """
    if not fields:
        raise MuseionError("name the member fields to read (e.g. age, gender)")
    declared = current_purpose(conn, purpose)
    try:
        categories = sorted({category_of(f"members.{name}") for name in fields})
    except ValueError as exc:
        raise PurposeRefused(str(exc)) from None
    for category in categories:
        _covered(declared, category)
    q = select(Member.id.label("member_id"), *(Member.__table__.c[name] for name in fields)).where(
        Member.id.in_(participants(declared)))
    for category in categories:
        if CATEGORIES[category].sensitive:
            q = q.where(Member.id.in_(separately_consented(declared, category)))
    if source is not None:
        q = q.where(Member.source == source)
    rows = [dict(row._mapping) for row in conn.execute(q.order_by(Member.id))]
    _record(conn, actor=actor, declared=declared, categories=categories, rows=len(rows), members=len(rows),
            details={"source": source, "fields": sorted(fields)})
    return rows


def may_use(conn: Connection, member_id: int, purpose: str) -> bool:
    """Whether one member's data may serve ``purpose`` now (e.g. personalise their feed)."""
    return takes_part(conn, member_id, current_purpose(conn, purpose))
