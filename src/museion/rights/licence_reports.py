"""Reading the rights registry: licences with their holder and works, conflicts (exclusive licences that overlap),
gaps (works served or exported without a licence for that use) and licences that expire soon."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from museion.catalog.models import Work
from museion.errors import NotFound
from museion.rights.licence_models import Licence, LicenceWork, RightsHolder
from museion.rights.licences import existing_terms


_COLUMNS = (*Licence.__table__.c, RightsHolder.name.label("holder"), RightsHolder.key.label("holder_key"))


def _row(r: Any, works: int) -> dict[str, Any]:
    """One licence as a plain dict (``r``: a row of ``_COLUMNS``)."""
    keep = ("id", "key", "holder", "holder_key", "starts", "ends", "fee_kind", "fee_amount", "currency", "statement", "note")
    return {**{k: r._mapping[k] for k in keep}, "territories": list(r.territories), "uses": list(r.uses),
            "exclusive": bool(r.exclusive), "demo": bool(r.demo), "works": works}


def list_licences(conn: Connection, *, holder: str | None = None, work_id: int | None = None, limit: int = 200,
                  offset: int = 0) -> list[dict[str, Any]]:
    """Licences, latest start first, with how many works each covers."""
    n_works = select(LicenceWork.licence_id, func.count().label("n")).group_by(LicenceWork.licence_id).subquery()
    stmt = (select(*_COLUMNS, func.coalesce(n_works.c.n, 0).label("n"))
            .join(RightsHolder, RightsHolder.id == Licence.holder_id).outerjoin(n_works, n_works.c.licence_id == Licence.id))
    if holder:
        stmt = stmt.where(RightsHolder.key == holder)
    if work_id is not None:
        stmt = stmt.where(Licence.id.in_(select(LicenceWork.licence_id).where(LicenceWork.work_id == work_id)))
    rows = conn.execute(stmt.order_by(Licence.starts.desc(), Licence.id.desc()).offset(offset).limit(limit)).all()
    return [_row(r, int(r.n)) for r in rows]


def licence(conn: Connection, licence_id: int) -> dict[str, Any]:
    """One licence with its works (key, title)."""
    found = list_licences_by_id(conn, licence_id)
    works = conn.execute(select(Work.id, Work.key, Work.title).join(LicenceWork, LicenceWork.work_id == Work.id)
                         .where(LicenceWork.licence_id == licence_id).order_by(Work.title)).all()
    return {**found, "work_list": [{"id": int(i), "key": k, "title": t} for i, k, t in works]}


def list_licences_by_id(conn: Connection, licence_id: int) -> dict[str, Any]:
    row = conn.execute(select(*_COLUMNS).join(RightsHolder, RightsHolder.id == Licence.holder_id)
                       .where(Licence.id == licence_id)).one_or_none()
    if row is None:
        raise NotFound("no licence with id %(id)s", id=licence_id)
    n = int(conn.scalar(select(func.count()).select_from(LicenceWork).where(LicenceWork.licence_id == licence_id)) or 0)
    return _row(row, n)


def holders(conn: Connection) -> list[dict[str, Any]]:
    n_licences = select(Licence.holder_id, func.count().label("n")).group_by(Licence.holder_id).subquery()
    rows = conn.execute(select(RightsHolder.id, RightsHolder.key, RightsHolder.name, RightsHolder.kind, RightsHolder.creator_id,
                               func.coalesce(n_licences.c.n, 0))
                        .outerjoin(n_licences, n_licences.c.holder_id == RightsHolder.id).order_by(RightsHolder.name))
    return [{"id": int(i), "key": k, "name": n, "kind": kd, "creator_id": c, "licences": int(m)} for i, k, n, kd, c, m in rows]


def conflicts(conn: Connection) -> list[dict[str, Any]]:
    """Pairs of exclusive licences on the same work with a use, territory and days in common (imports refuse new
    ones; these come from licences recorded before the rule, or edited in the database)."""
    titles: dict[int, str] = {}
    out = []
    for work_id, terms in existing_terms(conn).items():
        for i, (key_a, a) in enumerate(terms):
            for key_b, b in terms[i + 1:]:
                if a.overlaps(b):
                    if not titles:
                        titles = dict(conn.execute(select(Work.id, Work.title).where(
                            Work.id.in_(select(LicenceWork.work_id)))).all())
                    out.append({"work_id": work_id, "title": titles.get(work_id, ""), "licence_a": key_a, "licence_b": key_b,
                                "uses": sorted(set(a.uses) & set(b.uses))})
    return out


def expiring(conn: Connection, within_days: int, day: date) -> list[dict[str, Any]]:
    """Licences whose last day falls from ``day`` to ``day + within_days``, soonest first."""
    stmt = (select(*_COLUMNS).join(RightsHolder, RightsHolder.id == Licence.holder_id)
            .where(Licence.ends.is_not(None), Licence.ends >= day, Licence.ends <= day + timedelta(days=within_days))
            .order_by(Licence.ends, Licence.id))
    n = dict(conn.execute(select(LicenceWork.licence_id, func.count()).group_by(LicenceWork.licence_id)).all())
    return [{**_row(r, int(n.get(r.id, 0))), "days_left": (r.ends - day).days} for r in conn.execute(stmt)]


def gaps(conn: Connection, used: dict[str, set[int]], *, limit: int = 200) -> list[dict[str, Any]]:
    """Of the works used per use (``{"display": served work ids, "reproduce": exported ids}``), those with no licence
    recorded for that use: outside licence management, decided only by their published rights statement."""
    covered: dict[str, set[int]] = {}
    for work_id, terms in existing_terms(conn).items():
        for _key, t in terms:
            for use in t.uses:
                covered.setdefault(use, set()).add(work_id)
    out = []
    for use, ids in sorted(used.items()):
        missing = sorted(ids - covered.get(use, set()))
        titles = dict(conn.execute(select(Work.id, Work.title).where(Work.id.in_(missing[:limit]))).all()) if missing else {}
        out.append({"use": use, "used": len(ids), "unlicensed": len(missing),
                    "works": [{"id": w, "title": titles.get(w, "")} for w in missing[:limit]]})
    return out


def with_work_keys(conn: Connection) -> list[tuple[dict[str, Any], list[str]]]:
    """Every licence with the keys of its works, for export."""
    keys: dict[int, list[str]] = {}
    for lid, key in conn.execute(select(LicenceWork.licence_id, Work.key).join(Work, Work.id == LicenceWork.work_id)
                                 .order_by(Work.key)):
        keys.setdefault(int(lid), []).append(key)
    return [(lic, keys.get(lic["id"], [])) for lic in list_licences(conn, limit=1_000_000)]


def work_rights(conn: Connection, work_id: int) -> dict[str, Any]:
    """What the work page shows about rights: its licences, acquisition provenance, and what AI capabilities wrote
    into its record (terms with their origin label; record links from AI-proposed duplicates, with who decided)."""
    from museion.catalog.models import WorkTerm
    from museion.rights.licence_models import WorkAcquisition
    from museion.rights.models import WorkLink

    acq = conn.execute(select(WorkAcquisition.method, WorkAcquisition.party, WorkAcquisition.year,
                              WorkAcquisition.credit_line).where(WorkAcquisition.work_id == work_id)).one_or_none()
    ai_terms = conn.execute(select(WorkTerm.vocabulary, WorkTerm.term, WorkTerm.origin, WorkTerm.added_at).where(
        WorkTerm.work_id == work_id, WorkTerm.origin.like("ai:%")).order_by(WorkTerm.added_at, WorkTerm.id)).all()
    links = conn.execute(select(WorkLink.relation, WorkLink.other_work_id, WorkLink.work_id, WorkLink.proposal_id,
                                WorkLink.decided_by, WorkLink.created_at)
                         .where((WorkLink.work_id == work_id) | (WorkLink.other_work_id == work_id))).all()
    return {"licences": list_licences(conn, work_id=work_id),
            "acquisition": dict(acq._mapping) if acq else None,
            "ai_terms": [{"vocabulary": v, "term": t, "origin": o, "at": at} for v, t, o, at in ai_terms],
            "ai_links": [{"relation": r, "other": o if w == work_id else w, "proposal": p, "decided_by": d, "at": at}
                         for r, o, w, p, d, at in links]}
