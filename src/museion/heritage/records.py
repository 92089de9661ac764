"""Plain, frozen views of a work and its creators that every heritage format (Dublin Core, EDM, IIIF, schema.org)
is written from, so the formats share one reading of the catalogue and their cores never see the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from museion.catalog.export import ai_labels, ai_provenance
from museion.catalog.identifiers import ULAN, WIKIDATA, same_as_uris  # noqa: F401  (the heritage formats' names for them)
from museion.catalog.models import Creator, Credit, Work, WorkTerm


@dataclass(frozen=True)
class AgentRecord:
    """A creator as the heritage formats need it; ``same_as`` holds linked-data URIs (Wikidata, ULAN, source page)."""

    key: str
    source: str
    name: str
    role: str
    birth_year: int | None = None
    death_year: int | None = None
    gender: str | None = None
    nationality: str | None = None
    same_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkRecord:
    """A work as the heritage formats need it. ``ai_terms`` are terms an AI added (kept labelled, never passed off
    as the source's own); ``subjects`` and ``genres`` are the source's and people-accepted terms alike."""

    id: int
    key: str
    source: str
    kind: str
    title: str
    updated_at: datetime
    year: int | None = None
    date_text: str | None = None
    language: str | None = None
    region: str | None = None
    description: str | None = None
    medium: str | None = None
    image_url: str | None = None
    rights: str | None = None
    subjects: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    creators: tuple[AgentRecord, ...] = ()
    same_as: tuple[str, ...] = ()
    ai_terms: tuple[str, ...] = ()


def work_record(work: Work) -> WorkRecord:
    """The frozen view of a loaded work (its terms and credits with creators already loaded)."""
    return WorkRecord(
        id=work.id, key=work.key, source=work.source, kind=work.kind, title=work.title, updated_at=work.updated_at,
        year=work.year, date_text=work.date_text, language=work.language, region=work.region,
        description=work.description, medium=work.medium, image_url=work.image_url, rights=work.rights,
        subjects=tuple(work.terms_of("subject")), genres=tuple(work.terms_of("genre")),
        creators=tuple(
            AgentRecord(key=c.creator.key, source=c.creator.source, name=c.creator.name, role=c.role,
                        birth_year=c.creator.birth_year, death_year=c.creator.death_year, gender=c.creator.gender,
                        nationality=c.creator.nationality, same_as=same_as_uris(c.creator.external_ids or {}))
            for c in sorted(work.credits, key=lambda c: c.position)),
        same_as=same_as_uris(work.external_ids or {}),
        ai_terms=tuple(ai_provenance(work)),
    )


# --- the same records from plain rows (three Core selects a batch: no ORM objects, several times faster) ----------

WORK_COLUMNS = (Work.id, Work.key, Work.source, Work.kind, Work.title, Work.updated_at, Work.year, Work.date_text,
                Work.language, Work.region, Work.description, Work.medium, Work.image_url, Work.rights,
                Work.external_ids)
TERM_COLUMNS = (WorkTerm.work_id, WorkTerm.vocabulary, WorkTerm.term, WorkTerm.origin, WorkTerm.added_at)
CREDIT_COLUMNS = (Credit.work_id, Credit.role, Creator.key, Creator.source, Creator.name, Creator.birth_year,
                  Creator.death_year, Creator.gender, Creator.nationality, Creator.external_ids)


def records_from_rows(works: Iterable[Sequence[Any]], terms: Iterable[Sequence[Any]],
                      credits: Iterable[Sequence[Any]]) -> dict[int, WorkRecord]:
    """Work id → the record :func:`work_record` gives, from rows shaped like ``WORK_COLUMNS``, ``TERM_COLUMNS`` (in
    each work's term order) and ``CREDIT_COLUMNS`` (in its credit order); keyed in the order of ``works``."""
    by_work: dict[int, list[Sequence[Any]]] = {}
    for row in terms:
        by_work.setdefault(row[0], []).append(row)
    agents: dict[int, list[AgentRecord]] = {}
    for wid, role, key, source, name, birth, death, gender, nationality, ids in credits:
        agents.setdefault(wid, []).append(AgentRecord(
            key=key, source=source, name=name, role=role, birth_year=birth, death_year=death, gender=gender,
            nationality=nationality, same_as=same_as_uris(ids or {})))
    out: dict[int, WorkRecord] = {}
    for (wid, key, source, kind, title, updated_at, year, date_text, language, region, description, medium,
         image_url, rights, ids) in works:
        own = by_work.get(wid, [])
        out[wid] = WorkRecord(
            id=wid, key=key, source=source, kind=kind, title=title, updated_at=updated_at, year=year,
            date_text=date_text, language=language, region=region, description=description, medium=medium,
            image_url=image_url, rights=rights,
            subjects=tuple(t[2] for t in own if t[1] == "subject"), genres=tuple(t[2] for t in own if t[1] == "genre"),
            creators=tuple(agents.get(wid, ())), same_as=same_as_uris(ids or {}),
            ai_terms=tuple(ai_labels(t[1:] for t in own)))
    return out


def records_by_ids(conn: Connection, ids: Sequence[int], batch: int = 2000) -> dict[int, WorkRecord]:
    """Work id → its record, in the order of ``ids`` (ids with no work left out): per batch one select each for the
    works, their terms and their credits with creators. Ties in position go by row id."""
    found: dict[int, WorkRecord] = {}
    for start in range(0, len(ids), batch):
        part = list(ids[start:start + batch])
        found.update(records_from_rows(
            conn.execute(select(*WORK_COLUMNS).where(Work.id.in_(part))).all(),
            conn.execute(select(*TERM_COLUMNS).where(WorkTerm.work_id.in_(part))
                         .order_by(WorkTerm.work_id, WorkTerm.position, WorkTerm.id)).all(),
            conn.execute(select(*CREDIT_COLUMNS).join(Creator, Creator.id == Credit.creator_id)
                         .where(Credit.work_id.in_(part)).order_by(Credit.work_id, Credit.position, Credit.id)).all()))
    return {i: found[i] for i in ids if i in found}
