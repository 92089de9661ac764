"""Response models: the API's public shapes, documented in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from museion.catalog.identifiers import same_as_uris
from museion.catalog.models import Creator, Work
from museion.privacy.aggregates import SMALL_CELL

T = TypeVar("T")


class CreatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    source: str
    name: str
    roles: list[str]
    gender: str | None = None
    nationality: str | None = None
    region: str | None = None
    birth_place: str | None = None
    birth_year: int | None = None
    death_year: int | None = None
    career_stage: str | None = None
    external_ids: dict[str, Any] = Field(default_factory=dict)
    same_as: list[str] = Field(default_factory=list, description="Linked-data URIs (Wikidata, ULAN, the source's page) "
                               "and those of the records curators decided are the same person.")


class CreditOut(BaseModel):
    creator_id: int
    name: str
    role: str


class WorkOut(BaseModel):
    id: int
    key: str
    source: str
    kind: str
    title: str
    year: int | None = None
    date_text: str | None = None
    language: str | None = None
    region: str | None = None
    description: str | None = None
    medium: str | None = None
    acquisition_year: int | None = None
    image_url: str | None = None
    rights: str | None = None
    genres: list[str]
    subjects: list[str]
    movements: list[str]
    creators: list[CreditOut]
    external_ids: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, w: Work) -> WorkOut:
        return cls(
            **{f: getattr(w, f) for f in ("id", "key", "source", "kind", "title", "year", "date_text", "language",
                                          "region", "description", "medium", "acquisition_year", "image_url", "rights",
                                          "external_ids")},
            genres=w.terms_of("genre"), subjects=w.terms_of("subject"), movements=w.terms_of("movement"),
            creators=[CreditOut(creator_id=c.creator_id, name=c.creator.name, role=c.role) for c in w.credits],
        )


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the filters, across all pages.")
    offset: int
    limit: int


class StatsOut(BaseModel):
    works: int
    works_by_kind: dict[str, int]
    works_by_source: dict[str, int]
    creators: int
    creators_by_source: dict[str, int]
    credits: int
    terms_by_vocabulary: dict[str, int]
    members: int = Field(description="Members taking part in analytics (their consent or no objection).")
    events: int = Field(description="Events of those members.")
    events_by_kind: dict[str, int | None] = Field(
        description=f"Events per kind; null where fewer than {SMALL_CELL} members would be counted.")
    first_event_at: int | None = Field(None, description="Earliest event time, seconds since 1970 UTC.")
    last_event_at: int | None = None
    imports: int


class HealthOut(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    version: str
    checked_at: datetime


def creator_out(c: Creator, linked: list[str] | None = None) -> CreatorOut:
    """A creator with ``same_as``: its own identifiers' URIs, then ``linked`` (the same person's other records')."""
    out = CreatorOut.model_validate(c)
    out.same_as = list(dict.fromkeys([*same_as_uris(c.external_ids or {}), *(linked or [])]))
    return out
