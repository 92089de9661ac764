"""Plain, frozen views of a work and its creators that every heritage format (Dublin Core, EDM, IIIF, schema.org)
is written from, so the formats share one reading of the catalogue and their cores never see the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from museion.catalog.export import ai_provenance
from museion.catalog.identifiers import ULAN, WIKIDATA, same_as_uris  # noqa: F401  (the heritage formats' names for them)
from museion.catalog.models import Work


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
