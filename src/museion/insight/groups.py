"""Groups of works from the public catalogue (service): genre, subject, kind, creators' gender or nationality, era,
medium — the labels demand and catalogue series are counted by, never derived from members."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, func, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.errors import MuseionError
from museion.insight.series import BY_CATALOGUE, BY_DEMAND, BY_MEMBERS, era, medium_family


def check_by(by: str, allowed: tuple[str, ...]) -> None:
    if by not in allowed:
        raise MuseionError("unknown grouping %(by)s: use one of %(allowed)s", by=by, allowed=", ".join(allowed))


def work_groups(conn: Connection, by: str, *, source: str | None = None) -> dict[int, list[str]]:
    """Work id -> group labels of ``by`` (a work may fall in several groups; works without one are left out)."""
    if by in BY_MEMBERS:
        raise MuseionError("%(by)s groups members, not works: it has no catalogue side", by=by)
    check_by(by, tuple(sorted(set(BY_DEMAND) | set(BY_CATALOGUE))))
    scope = [] if source is None else [Work.source == source]
    found: dict[int, list[str]] = defaultdict(list)
    if by in ("genre", "subject"):
        rows = conn.execute(select(WorkTerm.work_id, WorkTerm.term).join(Work, Work.id == WorkTerm.work_id)
                            .where(WorkTerm.vocabulary == by, *scope).order_by(WorkTerm.work_id, WorkTerm.position)).all()
    elif by in ("creator_gender", "creator_nationality"):
        attribute = Creator.gender if by == "creator_gender" else func.coalesce(Creator.nationality, Creator.region)
        rows = conn.execute(select(Credit.work_id, attribute).join(Creator, Creator.id == Credit.creator_id)
                            .join(Work, Work.id == Credit.work_id).where(attribute.is_not(None), *scope).distinct()).all()
    elif by == "total":
        rows = [(w, "total") for w in conn.scalars(select(Work.id).where(*scope))]
    else:
        column = {"work": Work.title, "kind": Work.kind, "era": Work.year, "medium": Work.medium}[by]
        rows = conn.execute(select(Work.id, column).where(column.is_not(None), *scope)).all()
        if by == "work":
            rows = [(w, f"{title} (#{w})") for w, title in rows]
        elif by == "era":
            rows = [(w, era(int(y))) for w, y in rows]
        elif by == "medium":
            rows = [(w, medium_family(m)) for w, m in rows]
    for work_id, label in rows:
        if label is not None and str(label).strip() and str(label) not in found[work_id]:
            found[work_id].append(str(label))
    return dict(found)
