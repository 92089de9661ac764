"""The one access gate for personal data: a read names its purpose and its actor; the gate keeps only
the members taking part in that purpose, returns only the categories the purpose may use, and records
the access. Models, reports and pages read members and events through here and nowhere else."""

from __future__ import annotations

from sqlalchemy import Connection, insert

from museion.audience.activity import EventArrays, event_arrays
from museion.errors import MuseionError
from museion.privacy.consent import current_purpose, participants, takes_part
from museion.privacy.models import AccessRecord


class PurposeRefused(MuseionError):
    """The purpose does not cover the data asked for."""


def read_activity(conn: Connection, *, purpose: str, actor: str, source: str | None = None,
                  kinds: frozenset[str] | None = None) -> EventArrays:
    """Events of the members taking part in ``purpose`` (consented, or not objecting), recorded as an access."""
    declared = current_purpose(conn, purpose)
    if "activity" not in declared.categories:
        raise PurposeRefused(f"the purpose {purpose!r} does not cover activity data (it covers: "
                             f"{', '.join(declared.categories) or 'nothing'})")
    events = event_arrays(conn, source=source, kinds=kinds, members=participants(declared))
    conn.execute(insert(AccessRecord).values(
        actor=actor, purpose=purpose, categories=["activity"], rows=len(events),
        members=len(set(events.member_ids.tolist())),
        details={"source": source, "kinds": sorted(kinds) if kinds else None, "purpose_version": declared.version},
    ))
    return events


def may_use(conn: Connection, member_id: int, purpose: str) -> bool:
    """Whether one member's data may serve ``purpose`` now (e.g. personalise their feed)."""
    return takes_part(conn, member_id, current_purpose(conn, purpose))
