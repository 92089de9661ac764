"""A member's own controls: personalisation on or off, and the interest tags Museion derives from their
history, which they can see and delete. Serving reads them on every request, so a change counts from
the very next list; every change enters the audit chain with the member pseudonymised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Connection, bindparam, delete, func, select

from museion import audit
from museion.catalog.models import WorkTerm
from museion.errors import NotFound
from museion.privacy.access import gated
from museion.privacy.activity import member_target
from museion.privacy.gate import read_activity
from museion.privacy.models import InterestSuppression, MemberPreference
from museion.store.batches import rows_in_batches
from museion.store.engine import dialect_insert

INTEREST_VOCABULARIES = ("genre", "subject", "movement")
PURPOSE = "personalisation"


@dataclass(frozen=True, slots=True)
class Controls:
    """What serving must honour for one member: personalisation on or off, and the tags they deleted."""

    personalise: bool
    suppressed: frozenset[str]


@dataclass(frozen=True, slots=True)
class Interest:
    """A derived interest tag: a catalogue term and the share of the member's activity on works carrying it."""

    tag: str
    vocabulary: str
    weight: float


def _audit(conn: Connection, actor: str, action: str, member_id: int, details: dict[str, object]) -> None:
    audit.record(conn, actor=actor, action=action, target=member_target(conn, member_id), details=details)


# Built once: read on every recommendation request.
_PERSONALISE = select(MemberPreference.personalise).where(MemberPreference.member_id == bindparam("member"))
_SUPPRESSED = select(InterestSuppression.term).where(InterestSuppression.member_id == bindparam("member"))


@gated
def controls(conn: Connection, member_id: int) -> Controls:
    """The member's controls as stored now (personalisation is on until they switch it off)."""
    personalise = conn.scalar(_PERSONALISE, {"member": member_id})
    suppressed = frozenset(conn.scalars(_SUPPRESSED, {"member": member_id}))
    return Controls(personalise is not False, suppressed)


@gated
def set_personalisation(conn: Connection, member_id: int, on: bool, *, actor: str) -> None:
    """Switch personalisation on or off for the member; effective on their next request."""
    stmt = dialect_insert(conn)(MemberPreference).values(member_id=member_id, personalise=on, updated_at=datetime.now(UTC))
    conn.execute(stmt.on_conflict_do_update(index_elements=["member_id"],
                                            set_={"personalise": on, "updated_at": stmt.excluded.updated_at}))
    _audit(conn, actor, "preference.personalisation", member_id, {"personalise": on})


@gated
def interests(conn: Connection, member_id: int, *, actor: str, limit: int = 20) -> list[Interest]:
    """The member's top catalogue terms, weighted by the share of their activity on works carrying them.

    Their events come through the gate for the personalisation purpose (one member only): without that
    consent nothing is derived. Tags the member deleted are left out.
    """
    events = read_activity(conn, purpose=PURPOSE, actor=actor, member_id=member_id)
    if not len(events):
        return []
    works, per_work = np.unique(events.work_ids, return_counts=True)
    counts = dict(zip(works.tolist(), per_work.tolist(), strict=True))
    suppressed = controls(conn, member_id).suppressed
    totals: dict[tuple[str, str], int] = {}
    terms = rows_in_batches(conn, lambda batch: select(WorkTerm.work_id, WorkTerm.vocabulary, WorkTerm.term)
                            .where(WorkTerm.work_id.in_(batch), WorkTerm.vocabulary.in_(INTEREST_VOCABULARIES)),
                            works.tolist())
    for work_id, vocabulary, term in terms:
        if term not in suppressed:
            totals[(vocabulary, term)] = totals.get((vocabulary, term), 0) + counts[work_id]
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0][1]))[:limit]
    return [Interest(term, vocabulary, round(n / len(events), 4)) for (vocabulary, term), n in ranked]


@gated
def suppress(conn: Connection, member_id: int, tag: str, *, actor: str) -> None:
    """Delete an interest tag: works carrying it are no longer recommended to the member (idempotent)."""
    known = conn.scalar(select(func.count()).where(WorkTerm.term == tag, WorkTerm.vocabulary.in_(INTEREST_VOCABULARIES)))
    if not known:
        raise NotFound(f"no interest tag {tag!r} in the catalogue's {', '.join(INTEREST_VOCABULARIES)} terms")
    conn.execute(dialect_insert(conn)(InterestSuppression).values(member_id=member_id, term=tag)
                 .on_conflict_do_nothing(index_elements=["member_id", "term"]))
    _audit(conn, actor, "interest.delete", member_id, {"deleted": len(controls(conn, member_id).suppressed)})


@gated
def restore(conn: Connection, member_id: int, tag: str, *, actor: str) -> None:
    """Undo a deletion: the tag may shape the member's recommendations again."""
    removed = conn.execute(delete(InterestSuppression).where(InterestSuppression.member_id == member_id,
                                                             InterestSuppression.term == tag)).rowcount
    if not removed:
        raise NotFound(f"the tag {tag!r} was not deleted")
    _audit(conn, actor, "interest.restore", member_id, {"deleted": len(controls(conn, member_id).suppressed)})


def works_with(conn: Connection, tags: frozenset[str]) -> np.ndarray:
    """Ids of the works carrying any of ``tags`` (what a member who deleted them is no longer shown)."""
    ids = conn.scalars(select(WorkTerm.work_id).distinct()
                       .where(WorkTerm.term.in_(sorted(tags)), WorkTerm.vocabulary.in_(INTEREST_VOCABULARIES)))
    return np.fromiter(ids, dtype=np.int64)


@gated
def deleted_tags(conn: Connection, member_id: int) -> list[str]:
    """The tags the member deleted, oldest first."""
    return list(conn.scalars(select(InterestSuppression.term).where(InterestSuppression.member_id == member_id)
                             .order_by(InterestSuppression.id)))

