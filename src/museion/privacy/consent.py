"""Purposes and the consent ledger: what each purpose may use, and who agreed or objected.

For a purpose whose legal basis is consent, only members whose latest entry grants it take part;
for other bases, everyone takes part except members whose latest entry withdraws (objects).
Withdrawal is one call, like granting, and counts from the moment it is recorded.

A sensitive data category (e.g. demographics) needs its own, separate consent under each purpose that
uses it: those decisions are ledger entries for ``purpose/category`` and never follow from the purpose's.
Every decision also enters the audit chain, with the member pseudonymised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, Select, and_, bindparam, case, func, insert, select

from museion import audit
from museion.errors import MuseionError, NotFound
from museion.privacy.access import gated
from museion.privacy.activity import member_ids_for, member_target
from museion.privacy.datamap import CATEGORIES
from museion.privacy.models import Consent, Member, Purpose


@dataclass(frozen=True, slots=True)
class ConsentState:
    purpose: str
    granted: bool
    notice_version: str
    source: str
    recorded_at: datetime


def current_purposes(conn: Connection) -> list[Row]:
    """The latest version of every declared purpose (rows with the columns of ``purposes``)."""
    latest = select(Purpose.code, func.max(Purpose.version).label("v")).group_by(Purpose.code).subquery()
    q = (select(Purpose.__table__).join(latest, and_(Purpose.code == latest.c.code, Purpose.version == latest.c.v))
         .order_by(Purpose.code))
    return list(conn.execute(q))


# Built once: both run on every recommendation request, where building the statement costs more than running it.
_LATEST_VERSION = select(Purpose.__table__).where(Purpose.code == bindparam("code")).order_by(Purpose.version.desc()).limit(1)
_TAKES_PART = select(
    Member.restricted_at,
    select(Consent.granted).where(Consent.member_id == bindparam("member"), Consent.purpose == bindparam("purpose"))
    .order_by(Consent.id.desc()).limit(1).scalar_subquery(),
).where(Member.id == bindparam("member"))


def current_purpose(conn: Connection, code: str) -> Row:
    """The latest version of one purpose, or NotFound naming the declared ones."""
    purpose = conn.execute(_LATEST_VERSION, {"code": code}).one_or_none()
    if purpose is None:
        raise NotFound(f"no purpose {code!r}; declared purposes: {', '.join(p.code for p in current_purposes(conn))}")
    return purpose


SCOPE = "/"  # separates a purpose from the sensitive category a separate consent covers


def scoped(purpose: str, category: str | None = None) -> str:
    """The ledger code of a decision: the purpose, or ``purpose/category`` for a separate consent."""
    return purpose if category is None else f"{purpose}{SCOPE}{category}"


def _latest_entries(purpose: str) -> Select:
    last = select(func.max(Consent.id)).where(Consent.purpose == purpose).group_by(Consent.member_id)
    return select(Consent.member_id, Consent.granted).where(Consent.id.in_(last))


def participants(purpose: Row) -> Select:
    """Ids of the members whose data may serve ``purpose`` right now (a subquery for the gate).

    Members who asked for restriction of processing never take part, whatever their consents."""
    latest = _latest_entries(purpose.code).subquery()
    unrestricted = select(Member.id).where(Member.restricted_at.is_(None))  # restriction stops all processing
    if purpose.legal_basis == "consent":
        return select(latest.c.member_id).where(latest.c.granted.is_(True), latest.c.member_id.in_(unrestricted))
    objected = select(latest.c.member_id).where(latest.c.granted.is_(False))
    return unrestricted.where(Member.id.not_in(objected))


def separately_consented(purpose: Row, category: str) -> Select:
    """Ids of members whose latest separate decision for ``category`` under ``purpose`` grants it."""
    latest = _latest_entries(scoped(purpose.code, category)).subquery()
    return select(latest.c.member_id).where(latest.c.granted.is_(True))


@gated
def takes_part(conn: Connection, member_id: int, purpose: Row) -> bool:
    """Whether this member's data may serve ``purpose`` now: the rule of ``participants`` for one member,
    asked of that member's own ledger entries only (it runs on every recommendation request)."""
    found = conn.execute(_TAKES_PART, {"member": member_id, "purpose": purpose.code}).one_or_none()
    if found is None or found[0] is not None:
        return False
    granted = found[1]
    return granted is True if purpose.legal_basis == "consent" else granted is not False


@gated
def record(conn: Connection, member_id: int, purpose: Row, *, granted: bool, notice_version: str, source: str,
           category: str | None = None, actor: str = "system") -> None:
    """Append one decision to the ledger (grants and withdrawals alike); with ``category``, the separate
    decision for a sensitive category the purpose uses."""
    if not notice_version or not source:
        raise MuseionError("a consent decision needs the notice version the member saw and where it was made")
    if category is not None and (category not in purpose.categories or not CATEGORIES[category].sensitive):
        sensitive = [c for c in purpose.categories if CATEGORIES[c].sensitive]
        raise MuseionError(f"a separate consent is for a sensitive category the purpose uses; {purpose.code!r} uses "
                           f"{', '.join(sensitive) or 'none'}, not {category!r}")
    code = scoped(purpose.code, category)
    conn.execute(insert(Consent).values(member_id=member_id, purpose=code, granted=granted,
                                        notice_version=notice_version, source=source))
    audit.record(conn, actor=actor, action="consent.grant" if granted else "consent.withdraw",
                 target=member_target(conn, member_id), details={"purpose": code, "granted": granted})


@gated
def states(conn: Connection, member_id: int) -> list[ConsentState]:
    """The member's current decision for every purpose they decided on."""
    last = select(func.max(Consent.id)).where(Consent.member_id == member_id).group_by(Consent.purpose)
    rows = conn.execute(select(Consent.purpose, Consent.granted, Consent.notice_version, Consent.source, Consent.recorded_at)
                        .where(Consent.id.in_(last)).order_by(Consent.purpose))
    return [ConsentState(*row) for row in rows]


@gated
def record_many(conn: Connection, member_ids: list[int], purpose: Row, *, granted: bool, notice_version: str,
                source: str) -> int:
    """Append the same decision for many members at once (bulk imports of existing consents)."""
    rows = [{"member_id": m, "purpose": purpose.code, "granted": granted, "notice_version": notice_version,
             "source": source} for m in member_ids]
    if rows:
        conn.execute(insert(Consent), rows)
        audit.record(conn, actor="system", action="consent.bulk", target=f"purpose:{purpose.code}",
                     details={"granted": granted, "members": len(rows)})
    return len(rows)


@gated
def known_members(conn: Connection, keys: list[str]) -> set[str]:
    """Which of these member keys exist (a consent file names members by key)."""
    return set(member_ids_for(conn, keys))


@gated
def record_imported(conn: Connection, decisions: list[tuple[int, str, dict[str, object]]]) -> int:
    """Append decisions read from a file (line, member key, ledger columns) whose members all exist."""
    ids = member_ids_for(conn, sorted({key for _, key, _ in decisions}))
    if decisions:
        conn.execute(insert(Consent), [{"member_id": ids[key], **values} for _, key, values in decisions])
    audit.record(conn, actor="system", action="consent.import", target="consents",
                 details={"rows": len(decisions), "members": len(ids)})
    return len(decisions)


@gated
def grant_to_undecided(conn: Connection, source: str, purpose: str, *, notice_version: str, channel: str, actor: str) -> int:
    """Record a grant for every member of ``source`` with no decision yet on ``purpose`` (a demo's seeded consents):
    a member who already decided, either way, keeps their decision."""
    declared = current_purpose(conn, purpose)
    decided = select(Consent.member_id).where(Consent.purpose == declared.code)
    members = list(conn.scalars(select(Member.id).where(Member.source == source, Member.id.not_in(decided)).order_by(Member.id)))
    rows = [{"member_id": m, "purpose": declared.code, "granted": True, "notice_version": notice_version, "source": channel}
            for m in members]
    if rows:
        conn.execute(insert(Consent), rows)
        audit.record(conn, actor=actor, action="consent.bulk", target=f"purpose:{declared.code}",
                     details={"granted": True, "members": len(rows)})
    return len(rows)


@gated
def summary(conn: Connection) -> list[tuple[str, int, int]]:
    """Per ledger code (purpose, or purpose/category): members whose latest decision grants it, and who withdrew."""
    latest = select(func.max(Consent.id)).group_by(Consent.member_id, Consent.purpose)
    rows = conn.execute(select(Consent.purpose, func.sum(case((Consent.granted, 1), else_=0)),
                               func.sum(case((Consent.granted, 0), else_=1)))
                        .where(Consent.id.in_(latest)).group_by(Consent.purpose).order_by(Consent.purpose))
    return [(code, int(granted or 0), int(withdrawn or 0)) for code, granted, withdrawn in rows]
