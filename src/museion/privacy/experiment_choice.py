"""A member's choice about controlled rollouts (museion.experiments): members are told experiments run and may opt out,
which puts them on the deployed version and leaves their activity out of experiment statistics. Serving reads the
choice on every request during a rollout; every change enters the audit chain with the member pseudonymised."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Select, bindparam, delete, select

from museion import audit
from museion.privacy.access import gated
from museion.privacy.activity import member_ids_for, member_target
from museion.privacy.models import ExperimentOptOut, Member
from museion.store.engine import dialect_insert

# Built once: read on every served request while a rollout runs.
_BY_KEY = (select(ExperimentOptOut.member_id).join(Member, Member.id == ExperimentOptOut.member_id)
           .where(Member.key == bindparam("key")))
_BY_ID = select(ExperimentOptOut.member_id).where(ExperimentOptOut.member_id == bindparam("member"))


@gated
def opted_out_key(conn: Connection, member_key: str) -> bool:
    """Whether the member with this stored key opted out of experiments (one indexed read)."""
    return conn.scalar(_BY_KEY, {"key": member_key}) is not None


@gated
def opted_out(conn: Connection, member_id: int) -> bool:
    return conn.scalar(_BY_ID, {"member": member_id}) is not None


@gated
def set_opt_out(conn: Connection, member_id: int, out: bool, *, actor: str) -> None:
    """Opt the member out of experiments (or back in); effective on their next request."""
    if out:
        conn.execute(dialect_insert(conn)(ExperimentOptOut).values(member_id=member_id, created_at=datetime.now(UTC))
                     .on_conflict_do_nothing(index_elements=["member_id"]))
    else:
        conn.execute(delete(ExperimentOptOut).where(ExperimentOptOut.member_id == member_id))
    audit.record(conn, actor=actor, action="preference.experiments", target=member_target(conn, member_id),
                 details={"opted_out": out})


def opted_out_members() -> Select:
    """Ids of the members who opted out (a subquery for the privacy package's own reads)."""
    return select(ExperimentOptOut.member_id)


@gated
def assignment_key(conn: Connection, key: str) -> tuple[str, bool] | None:
    """The member's stored (pseudonymous) key, which rollouts hash, and whether they opted out; None for an unknown
    member. ``key`` is the stored key or ``SOURCE:ID`` as imported."""
    found = conn.execute(_ASSIGNMENT, {"key": key}).first()
    if found is None:
        member_id = member_ids_for(conn, [key]).get(key)
        if member_id is None:
            return None
        found = conn.execute(select(Member.key, ExperimentOptOut.member_id)
                             .outerjoin(ExperimentOptOut, ExperimentOptOut.member_id == Member.id)
                             .where(Member.id == member_id)).first()
        if found is None:
            return None
    return str(found[0]), found[1] is not None


_ASSIGNMENT = (select(Member.key, ExperimentOptOut.member_id).outerjoin(ExperimentOptOut, ExperimentOptOut.member_id == Member.id)
               .where(Member.key == bindparam("key")))
