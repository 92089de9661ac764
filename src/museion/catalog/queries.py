"""Read queries over the catalogue, shared by the API and the web pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Connection, Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.errors import NotFound

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WorkFilter:
    q: str | None = None
    kind: str | None = None
    genre: str | None = None
    subject: str | None = None
    source: str | None = None
    creator_id: int | None = None
    hidden: frozenset[int] = frozenset()
    """Works left out, e.g. those not licensed here and now (the caller asks ``museion.rights.availability``)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _term(vocabulary: str, term: str) -> Select:
    return select(WorkTerm.work_id).where(WorkTerm.vocabulary == vocabulary, WorkTerm.term == term)


def _filtered(f: WorkFilter) -> Select:
    stmt = select(Work)
    if f.q:
        stmt = stmt.where(func.lower(Work.title).like(f"%{_escape_like(f.q.lower())}%", escape="\\"))
    if f.kind:
        stmt = stmt.where(Work.kind == f.kind)
    if f.source:
        stmt = stmt.where(Work.source == f.source)
    if f.genre:
        stmt = stmt.where(Work.id.in_(_term("genre", f.genre)))
    if f.subject:
        stmt = stmt.where(Work.id.in_(_term("subject", f.subject)))
    if f.creator_id is not None:
        stmt = stmt.where(Work.id.in_(select(Credit.work_id).where(Credit.creator_id == f.creator_id)))
    if f.hidden:
        stmt = stmt.where(Work.id.not_in(f.hidden))
    return stmt


def list_works(session: Session, f: WorkFilter, *, offset: int = 0, limit: int = 50) -> Page[Work]:
    stmt = _filtered(f)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    order = [Work.title, Work.id]
    if f.q:  # titles that start with the words searched for come first
        starts = func.lower(Work.title).like(f"{_escape_like(f.q.lower())}%", escape="\\")
        order.insert(0, case((starts, 0), else_=1))
    items = session.scalars(
        stmt.options(selectinload(Work.terms), selectinload(Work.credits).selectinload(Credit.creator))
        .order_by(*order).offset(offset).limit(limit)
    ).all()
    return Page(list(items), total, offset, limit)


def works_by_ids(session: Session, ids: list[int]) -> list[Work]:
    """Works with their terms and creators, in the order of ``ids`` (ids with no work are left out)."""
    found = {w.id: w for w in session.scalars(
        select(Work).where(Work.id.in_(ids)).options(selectinload(Work.terms), selectinload(Work.credits).selectinload(Credit.creator)))}
    return [found[i] for i in ids if i in found]


def get_work(session: Session, work_id: int) -> Work:
    work = session.scalar(
        select(Work).where(Work.id == work_id)
        .options(selectinload(Work.terms), selectinload(Work.credits).selectinload(Credit.creator))
    )
    if work is None:
        raise NotFound(f"no work with id {work_id}")
    return work


def list_creators(session: Session, *, q: str | None = None, source: str | None = None, gender: str | None = None,
                  offset: int = 0, limit: int = 50) -> Page[Creator]:
    stmt = select(Creator)
    if q:
        stmt = stmt.where(func.lower(Creator.name).like(f"%{_escape_like(q.lower())}%", escape="\\"))
    if source:
        stmt = stmt.where(Creator.source == source)
    if gender:
        stmt = stmt.where(Creator.gender == gender)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    items = session.scalars(stmt.order_by(Creator.name, Creator.id).offset(offset).limit(limit)).all()
    return Page(list(items), total, offset, limit)


def get_creator(session: Session, creator_id: int) -> Creator:
    creator = session.get(Creator, creator_id)
    if creator is None:
        raise NotFound(f"no creator with id {creator_id}")
    return creator


def facet(session: Session, vocabulary: str, *, kind: str | None = None, limit: int = 50) -> list[tuple[str, int]]:
    """The most used terms of a vocabulary (e.g. genres), for filter menus."""
    stmt = select(WorkTerm.term, func.count()).where(WorkTerm.vocabulary == vocabulary)
    if kind:
        stmt = stmt.join(Work, Work.id == WorkTerm.work_id).where(Work.kind == kind)
    rows = session.execute(stmt.group_by(WorkTerm.term).order_by(func.count().desc(), WorkTerm.term).limit(limit))
    return [(t, int(n)) for t, n in rows]


def kinds(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(Work.kind, func.count()).group_by(Work.kind).order_by(func.count().desc()))
    return [(k, int(n)) for k, n in rows]


def work_sources(conn: Connection) -> list[str]:
    """The sources the catalogue's works were loaded from (a dataset's source, or an organisation's own)."""
    return list(conn.scalars(select(Work.source).distinct()))
