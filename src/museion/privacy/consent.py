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
from pathlib import Path

from sqlalchemy import Connection, Row, Select, and_, bindparam, func, insert, select

from museion.errors import InputRejected, MuseionError, NotFound, Problem
from museion.ingest.readers import ReadOptions, iter_rows, read_header
from museion.ingest.write import rows_by_key
from museion.privacy.datamap import CATEGORIES
from museion.privacy.models import Consent, Purpose
from museion.security import audit
from museion.store.models import Member


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


def takes_part(conn: Connection, member_id: int, purpose: Row) -> bool:
    """Whether this member's data may serve ``purpose`` now: the rule of ``participants`` for one member,
    asked of that member's own ledger entries only (it runs on every recommendation request)."""
    found = conn.execute(_TAKES_PART, {"member": member_id, "purpose": purpose.code}).one_or_none()
    if found is None or found[0] is not None:
        return False
    granted = found[1]
    return granted is True if purpose.legal_basis == "consent" else granted is not False


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
                 target=audit.member_target(conn, member_id), details={"purpose": code, "granted": granted})


def states(conn: Connection, member_id: int) -> list[ConsentState]:
    """The member's current decision for every purpose they decided on."""
    last = select(func.max(Consent.id)).where(Consent.member_id == member_id).group_by(Consent.purpose)
    rows = conn.execute(select(Consent.purpose, Consent.granted, Consent.notice_version, Consent.source, Consent.recorded_at)
                        .where(Consent.id.in_(last)).order_by(Consent.purpose))
    return [ConsentState(*row) for row in rows]


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


TRUE_WORDS = {"true", "yes", "1", "granted", "grant", "y"}
FALSE_WORDS = {"false", "no", "0", "withdrawn", "withdraw", "denied", "n"}


def import_file(conn: Connection, path: Path, *, max_errors: int = 20) -> int:
    """Import existing consents from CSV (member, purpose, granted, notice_version, source): all or nothing."""
    label = path.name
    if not path.is_file():
        raise InputRejected([Problem(label, None, None, f"file not found: {path}")])
    options = ReadOptions()
    header = read_header(path, options, label) or []
    missing = [c for c in ("member", "purpose", "granted", "notice_version", "source") if c not in header]
    if missing:
        raise InputRejected([Problem(label, 1, c, "column not found") for c in missing])
    purposes = {p.code: p for p in current_purposes(conn)}
    problems: list[Problem] = []
    decisions: list[tuple[int, str, dict[str, object]]] = []
    for item in iter_rows(path, options, label):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        line, row = item
        granted = row["granted"].strip().lower()
        if row["purpose"] not in purposes:
            problems.append(Problem(label, line, "purpose", f"{row['purpose']!r} is not a declared purpose"))
        if granted not in TRUE_WORDS | FALSE_WORDS:
            problems.append(Problem(label, line, "granted", f"expected yes/no (or true/false), found {row['granted']!r}"))
        for column in ("member", "notice_version", "source"):
            if not row[column]:
                problems.append(Problem(label, line, column, f"{column} is required"))
        decisions.append((line, row["member"], {"purpose": row["purpose"], "granted": granted in TRUE_WORDS,
                                                 "notice_version": row["notice_version"], "source": row["source"]}))
        if len(problems) >= max_errors:
            break
    keys = sorted({key for _, key, _ in decisions})
    ids = rows_by_key(conn, Member.__table__, keys, Member.__table__.c.id)
    problems += [Problem(label, line, "member", f"unknown member {key!r}") for line, key, _ in decisions if key not in ids]
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise InputRejected(problems[:max_errors], truncated=len(problems) >= max_errors)
    conn.execute(insert(Consent), [{"member_id": ids[key], **values} for _, key, values in decisions])
    audit.record(conn, actor="system", action="consent.import", target="consents",
                 details={"rows": len(decisions), "members": len({key for _, key, _ in decisions})})
    return len(decisions)
