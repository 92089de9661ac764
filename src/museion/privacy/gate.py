"""The one access gate for personal data: a read names its purpose and its actor; the gate keeps only
the members taking part in that purpose, returns only the categories the purpose may use, and records
the access (a row for the privacy officer, and an entry in the audit chain without any member ids).
Models, reports and pages read members and events through here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, select

from museion.errors import MuseionError
from museion.privacy import quarantine
from museion.privacy.access import gated
from museion.privacy.access_log import LOOKUPS, record
from museion.privacy.activity import EventArrays, event_arrays, member_ids_for, member_keys_for, unknown_member
from museion.privacy.consent import current_purpose, participants, separately_consented, takes_part
from museion.privacy.datamap import CATEGORIES, RIGHTS_PURPOSE, category_of
from museion.privacy.models import Member, ServedEntry

PERSONALISATION = "personalisation"  # a member's own feed
ANALYTICS = "analytics"  # aggregates for programming decisions, never about one member
RIGHTS = RIGHTS_PURPOSE  # a member acting on their own data, or staff acting on a member's request


class PurposeRefused(MuseionError):
    """The purpose does not cover the data asked for."""


def _covered(declared: Row, category: str) -> None:
    if category not in declared.categories:
        raise PurposeRefused(f"the purpose {declared.code!r} does not cover {category} data (it covers: "
                             f"{', '.join(declared.categories) or 'nothing'})")



@gated
def read_activity(conn: Connection, *, purpose: str, actor: str, source: str | None = None,
                  kinds: frozenset[str] | None = None, member_id: int | None = None) -> EventArrays:
    """Events of the members taking part in ``purpose`` (consented, or not objecting), recorded as an access.

    ``member_id`` narrows the read to one member (empty when they do not take part)."""
    declared = current_purpose(conn, purpose)
    _covered(declared, "activity")
    members: Select = participants(declared)
    if purpose == PERSONALISATION:  # quarantined profiles (museion.risk, confirmed by a person) train nothing
        members = select(Member.id).where(Member.id.in_(members), Member.id.not_in(quarantine.active()))
    if member_id is not None:
        members = select(Member.id).where(Member.id == member_id, Member.id.in_(members))
    events = event_arrays(conn, source=source, kinds=kinds, members=members)
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=len(events),
            members=len(set(events.member_ids.tolist())),
            details={"source": source, "kinds": sorted(kinds) if kinds else None, "one_member": member_id is not None})
    return events


@gated
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
    record(conn, actor=actor, declared=declared, categories=categories, rows=len(rows), members=len(rows),
            details={"source": source, "fields": sorted(fields)})
    return rows


def may_use(conn: Connection, member_id: int, purpose: str) -> bool:
    """Whether one member's data may serve ``purpose`` now (e.g. personalise their feed)."""
    return takes_part(conn, member_id, current_purpose(conn, purpose))


# Built once: asked on every request.
_MEMBER_ID = select(Member.id).where(Member.key == bindparam("key"))
_MEMBER_KEY = select(Member.key).where(Member.id == bindparam("member"))


@gated
def member_id_for(conn: Connection, key: str, *, purpose: str, actor: str) -> int:
    """The database id of the member with this stored key (or ``SOURCE:ID`` as imported), or NotFound; a look-up
    tallied for ``purpose``."""
    declared = current_purpose(conn, purpose)
    member_id = conn.scalar(_MEMBER_ID, {"key": key})  # the stored key: one indexed read on the serving path
    if member_id is None:
        member_id = member_ids_for(conn, [key]).get(key)
    if member_id is None:
        raise unknown_member(key)
    LOOKUPS.note(conn, actor=actor, declared=declared, what="member_id")
    return int(member_id)


@gated
def member_key_of(conn: Connection, member_id: int, *, purpose: str, actor: str) -> str | None:
    """The key of one member (None once erased); a look-up tallied for ``purpose``."""
    declared = current_purpose(conn, purpose)
    key = conn.scalar(_MEMBER_KEY, {"member": member_id})
    LOOKUPS.note(conn, actor=actor, declared=declared, what="member_key")
    return key


@gated
def member_keys(conn: Connection, member_ids: Sequence[int], *, purpose: str, actor: str) -> dict[int, str]:
    """Keys of the members with these ids (erased ones are left out), recorded as one access for ``purpose``."""
    declared = current_purpose(conn, purpose)
    keys = member_keys_for(conn, member_ids)
    record(conn, actor=actor, declared=declared, categories=["membership"], rows=len(keys), members=len(keys),
           details={"fields": ["key"]})
    return keys


@gated
def read_served(conn: Connection, *, purpose: str, actor: str, model_version_id: int) -> list[tuple[int, list[int]]]:
    """The lists a model version served (member id, work ids in rank order), oldest first, of members taking part
    in ``purpose`` now; recorded as one access."""
    declared = current_purpose(conn, purpose)
    _covered(declared, "activity")
    rows = conn.execute(select(ServedEntry.member_id, ServedEntry.work_ids)
                        .where(ServedEntry.model_version_id == model_version_id,
                               ServedEntry.member_id.in_(participants(declared))).order_by(ServedEntry.id)).all()
    served = [(int(member_id), list(work_ids)) for member_id, work_ids in rows]
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=len(served),
           members=len({m for m, _ in served}), details={"served_by": model_version_id})
    return served


def flush_lookups(conn: Connection, *, force: bool = False) -> int:
    """Write the tallied look-ups when due (or now, with ``force``) in the caller's committing transaction."""
    return LOOKUPS.flush(conn) if force or LOOKUPS.due(conn) else 0
