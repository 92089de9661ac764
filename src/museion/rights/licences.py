"""The rights registry: rights holders and licences written in one transaction after every row was checked.

A batch (a CSV file, an ODRL document, a form) is refused whole with each problem's row and field when any row has
one: end before start, unknown territory, use, statement, currency, holder or work, or an exclusive licence that
overlaps another (same work, a use in common, territories that meet, days in common) in the registry or in the batch.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, delete, insert, select, update

from museion import audit
from museion.catalog.models import Creator, Work
from museion.errors import InputRejected, NotFound, Problem
from museion.rights.licence_models import Licence, LicenceWork, RightsHolder
from museion.rights.reasons import reason
from museion.rights.terms import (
    HOLDER_KINDS,
    HolderIn,
    LicenceIn,
    Terms,
    TermsError,
    fee,
    statement_uri,
    territory_codes,
    use_names,
)
from museion.store.base import utcnow


def _target(text: str) -> str:
    """An audit target from a file name or key, which may hold spaces or other characters the chain keeps out."""
    return re.sub(r"[^A-Za-z0-9_.:/#=-]", "_", text)[:256]


@dataclass(slots=True)
class _Checked:
    row: LicenceIn
    values: dict[str, object] = field(default_factory=dict)
    work_ids: list[int] = field(default_factory=list)


def save_holders(conn: Connection, holders: list[HolderIn], *, actor: str, label: str = "holders") -> int:
    """Add or update rights holders by key (a creator key links the holder to that catalogue creator)."""
    problems: list[Problem] = []
    rows = []
    creators = dict(conn.execute(select(Creator.key, Creator.id).where(
        Creator.key.in_({h.creator_key for h in holders if h.creator_key}))).all())
    for n, h in enumerate(holders, 1):
        line = h.line if h.line is not None else n
        if not h.key.strip() or not h.name.strip():
            problems.append(Problem(label, line, "key" if not h.key.strip() else "name", reason("required")))
        elif h.kind not in HOLDER_KINDS:
            problems.append(Problem(label, line, "kind", reason("unknown_kind", kind=repr(h.kind))))
        elif h.creator_key and h.creator_key not in creators:
            problems.append(Problem(label, line, "creator", reason("no_creator", key=repr(h.creator_key))))
        else:
            rows.append({"key": h.key.strip(), "name": h.name.strip(), "kind": h.kind,
                         "creator_id": creators.get(h.creator_key) if h.creator_key else None})
    if problems:
        raise InputRejected(problems)
    known = dict(conn.execute(select(RightsHolder.key, RightsHolder.id)).all())
    for r in rows:
        if r["key"] in known:
            conn.execute(update(RightsHolder).where(RightsHolder.id == known[r["key"]]).values(**r))
        else:
            conn.execute(insert(RightsHolder).values(**r))
    audit.record(conn, actor=actor, action="rights.holders", target=_target(label), details={"rows": len(rows)})
    return len(rows)


def _check(row: LicenceIn, label: str, holders: dict[str, int], works: dict[str, int], problems: list[Problem]) -> _Checked | None:
    def bad(column: str, reason: str) -> None:
        problems.append(Problem(label, row.line, column, reason))

    before = len(problems)
    checked = _Checked(row)
    try:
        kind, amount, currency = fee(row.fee_kind, row.fee_amount, row.currency)
        checked.values = {
            "key": row.key.strip(), "territories": territory_codes(row.territories), "uses": use_names(row.uses),
            "statement": statement_uri(row.statement), "fee_kind": kind, "fee_amount": amount, "currency": currency,
        }
    except TermsError as exc:
        bad(exc.field, str(exc))
        return None
    if not row.key.strip():
        bad("key", reason("no_key"))
    if row.starts is None:
        bad("starts", reason("no_start"))
    elif row.ends is not None and row.ends < row.starts:
        bad("ends", reason("ends_before", ends=row.ends.isoformat(), starts=row.starts.isoformat()))
    if row.holder not in holders:
        bad("holder", reason("no_holder", key=repr(row.holder)))
    if not row.works:
        bad("works", reason("no_works"))
    missing = [w for w in row.works if w not in works]
    if missing:
        bad("works", reason("unknown_works", key=repr(missing[0]), more=len(missing) - 1) if len(missing) > 1
            else reason("unknown_work", key=repr(missing[0])))
    if len(problems) > before:
        return None
    checked.work_ids = sorted({works[w] for w in row.works})
    checked.values.update({"holder_id": holders[row.holder], "starts": row.starts, "ends": row.ends,
                           "exclusive": bool(row.exclusive), "note": row.note, "demo": bool(row.demo)})
    return checked


def existing_terms(conn: Connection, work_ids: set[int] | None = None) -> dict[int, list[tuple[str, Terms]]]:
    """Per work: the (licence key, terms) recorded for it."""
    stmt = select(LicenceWork.work_id, Licence.key, Licence.id, Licence.territories, Licence.uses, Licence.starts,
                  Licence.ends, Licence.exclusive).join(Licence, Licence.id == LicenceWork.licence_id)
    if work_ids is not None:
        stmt = stmt.where(LicenceWork.work_id.in_(work_ids))
    out: dict[int, list[tuple[str, Terms]]] = defaultdict(list)
    for work_id, key, lid, places, uses, starts, ends, exclusive in conn.execute(stmt):
        out[int(work_id)].append((key, Terms(int(lid), tuple(places), tuple(uses), starts, ends, bool(exclusive))))
    return out


def save_licences(conn: Connection, rows: list[LicenceIn], *, actor: str, label: str = "licences") -> list[int]:
    """Check every row, then write them all (a key already recorded is replaced); refused whole on any problem."""
    holders = dict(conn.execute(select(RightsHolder.key, RightsHolder.id)).all())
    wanted = {w for r in rows for w in r.works}
    works = dict(conn.execute(select(Work.key, Work.id).where(Work.key.in_(wanted))).all()) if wanted else {}
    problems: list[Problem] = []
    checked = [c for r in rows if (c := _check(r, label, holders, works, problems)) is not None]
    keys = [c.values["key"] for c in checked]
    dupes = {k for k in keys if keys.count(k) > 1}
    problems += [Problem(label, c.row.line, "key", reason("key_twice", key=repr(c.values["key"])))
                 for c in checked if c.values["key"] in dupes]
    replaced = {str(k) for k in keys}
    recorded = existing_terms(conn, {w for c in checked for w in c.work_ids})
    batch: dict[int, list[tuple[str, Terms]]] = defaultdict(list)
    for c in checked:
        mine = Terms(0, tuple(c.values["territories"]), tuple(c.values["uses"]), c.values["starts"],  # type: ignore[arg-type]
                     c.values["ends"], bool(c.values["exclusive"]))  # type: ignore[arg-type]
        for w in c.work_ids:
            others = [o for o in recorded.get(w, []) if o[0] not in replaced] + batch[w]
            clash = next((k for k, t in others if mine.overlaps(t)), None)
            if clash is not None:
                problems.append(Problem(label, c.row.line, "exclusive", reason(
                    "overlap", other=repr(clash), work=repr(next(k for k, i in works.items() if i == w)))))
                break
            batch[w].append((str(c.values["key"]), mine))
    if problems:
        raise InputRejected(problems[:50], truncated=len(problems) > 50)
    ids = []
    now = utcnow()
    known = dict(conn.execute(select(Licence.key, Licence.id).where(Licence.key.in_(replaced))).all()) if replaced else {}
    for c in checked:
        values = {**c.values, "updated_at": now}
        lid = known.get(str(c.values["key"]))
        if lid is None:
            lid = conn.execute(insert(Licence).values(**values, created_by=actor).returning(Licence.id)).scalar_one()
        else:
            conn.execute(update(Licence).where(Licence.id == lid).values(**values))
            conn.execute(delete(LicenceWork).where(LicenceWork.licence_id == lid))
        conn.execute(insert(LicenceWork), [{"licence_id": lid, "work_id": w} for w in c.work_ids])
        ids.append(int(lid))
    audit.record(conn, actor=actor, action="rights.licences", target=_target(label), details={"rows": len(ids)})
    return ids


def end_licence(conn: Connection, licence_id: int, last_day: date, *, actor: str) -> None:
    """End a licence on ``last_day`` (its works stop being available the day after, everywhere at once)."""
    row = conn.execute(select(Licence.starts, Licence.key).where(Licence.id == licence_id)).one_or_none()
    if row is None:
        raise NotFound("no licence with id %(id)s", id=licence_id)
    if last_day < row.starts:
        raise InputRejected([Problem(f"licence {row.key}", None, "ends", reason("ends_before", ends=last_day.isoformat(),
                                                                                  starts=row.starts.isoformat()))])
    conn.execute(update(Licence).where(Licence.id == licence_id).values(ends=last_day, updated_at=utcnow()))
    audit.record(conn, actor=actor, action="rights.licence.end", target=_target(f"licence:{row.key}"),
                 details={"ends": last_day.isoformat()})


def edit_licence(conn: Connection, licence_id: int, *, starts: date, ends: date | None, territories: list[str],
                 actor: str) -> None:
    """Change a licence's window and territories, checked exactly as an import is (end before start, unknown
    territory, an exclusive licence it would now overlap): the licence is written again under its own key."""
    row = conn.execute(select(*Licence.__table__.c, RightsHolder.key.label("holder_key"))
                       .join(RightsHolder, RightsHolder.id == Licence.holder_id).where(Licence.id == licence_id)).one_or_none()
    if row is None:
        raise NotFound("no licence with id %(id)s", id=licence_id)
    works = tuple(conn.scalars(select(Work.key).join(LicenceWork, LicenceWork.work_id == Work.id)
                               .where(LicenceWork.licence_id == licence_id).order_by(Work.key)))
    save_licences(conn, [LicenceIn(row.key, row.holder_key, works, tuple(territories), tuple(row.uses), starts, ends, row.exclusive,
                                   row.fee_kind, row.fee_amount, row.currency, row.statement, row.note, row.demo)],
                  actor=actor, label=f"licence {row.key}")
    audit.record(conn, actor=actor, action="rights.licence.edit", target=_target(f"licence:{row.key}"), details={
        "starts": starts.isoformat(), "ends": ends.isoformat() if ends else None, "territories": list(territories)})
