"""Export works as CSV (safe to open in spreadsheets) or JSON-LD (schema.org + Dublin Core terms)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from museion.catalog.identifiers import same_as_uris
from museion.catalog.models import Credit, Creator, Work

# OWASP: a cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

SCHEMA_TYPES = {
    "film": "Movie", "series": "TVSeries", "episode": "Episode", "book": "Book", "article": "Article",
    "music": "MusicRecording", "album": "MusicAlbum", "podcast": "PodcastSeries", "artwork": "VisualArtwork",
    "photograph": "Photograph", "exhibition": "ExhibitionEvent", "performance": "Event", "event": "Event",
    "game": "VideoGame",
}
CSV_COLUMNS = ("id", "key", "kind", "title", "year", "date_text", "language", "region", "medium",
               "acquisition_year", "genres", "subjects", "creators", "image_url", "rights", "description", "ai_provenance")
JSONLD_CONTEXT = {"@vocab": "https://schema.org/", "dcterms": "http://purl.org/dc/terms/"}


def neutralise(cell: str) -> str:
    """Prefix a text cell that a spreadsheet would execute with an apostrophe; the text is otherwise kept."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def ai_labels(terms: Iterable[tuple[str, str, str | None, datetime | None]]) -> list[str]:
    """Of (vocabulary, term, origin, added_at) rows in the work's term order, those an AI capability added, each with
    its label (who or what made it, model version, proposal, who accepted it, and when), so that an export never
    passes a machine's suggestion off as the source's own record."""
    return [f"{vocabulary}:{term} [{origin}{f' at {added_at.isoformat()}' if added_at else ''}]"
            for vocabulary, term, origin, added_at in terms if origin and origin.startswith("ai:")]


def ai_provenance(w: Work) -> list[str]:
    """:func:`ai_labels` of a loaded work's terms."""
    return ai_labels((t.vocabulary, t.term, t.origin, t.added_at) for t in w.terms)


def _works(session: Session, hidden: frozenset[int] = frozenset(), batch: int = 2000) -> Iterator[Work]:
    """Every work but ``hidden`` (those the caller may not export, e.g. not licensed: ``museion.rights.availability``)."""
    last = 0
    while True:
        stmt = select(Work).where(Work.id > last)
        rows = session.scalars(
            (stmt.where(Work.id.not_in(hidden)) if hidden else stmt).order_by(Work.id).limit(batch)
            .options(selectinload(Work.terms), selectinload(Work.credits).selectinload(Credit.creator))
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def write_csv(session: Session, out: IO[str], hidden: frozenset[int] = frozenset()) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for w in _works(session, hidden):
        values: dict[str, Any] = {c: getattr(w, c, None) for c in CSV_COLUMNS}
        values["genres"] = "|".join(w.terms_of("genre"))
        values["subjects"] = "|".join(w.terms_of("subject"))
        values["creators"] = "|".join(c.creator.name for c in w.credits)
        values["ai_provenance"] = "|".join(ai_provenance(w))
        writer.writerow(["" if v is None else neutralise(v) if isinstance(v, str) else v for v in values.values()])
        n += 1
    return n


def creator_node(c: Creator, role: str, linked: Mapping[int, Sequence[str]] | None = None) -> dict[str, Any]:
    """A credited creator as a schema.org Person; ``sameAs`` holds its Wikidata/ULAN/source URIs and those of the
    records curators decided are the same person (``linked``, by creator id: ``museion.heritage.creator_links``)."""
    node: dict[str, Any] = {"@type": "Person", "name": c.name, "roleName": role}
    uris = list(dict.fromkeys([*same_as_uris(c.external_ids or {}), *((linked or {}).get(c.id, ()))]))
    if uris:
        node["sameAs"] = uris
    return node


def jsonld_node(w: Work, linked: Mapping[int, Sequence[str]] | None = None) -> dict[str, Any]:
    """One work as a schema.org CreativeWork node with Dublin Core terms beside it."""
    node: dict[str, Any] = {
        "@type": SCHEMA_TYPES.get(w.kind, "CreativeWork"),
        "@id": f"urn:museion:work:{w.key}",
        "identifier": w.key,
        "name": w.title,
        "dcterms:title": w.title,
        "dcterms:type": w.kind,
    }
    optional = {
        "dateCreated": str(w.year) if w.year is not None else None,
        "dcterms:date": w.date_text or (str(w.year) if w.year is not None else None),
        "inLanguage": w.language,
        "dcterms:language": w.language,
        "locationCreated": w.region,
        "description": w.description,
        "artMedium": w.medium if w.kind in ("artwork", "photograph") else None,
        "dcterms:medium": w.medium,
        "image": w.image_url,
        "copyrightNotice": w.rights,
        "dcterms:rights": w.rights,
        "genre": w.terms_of("genre") or None,
        "keywords": w.terms_of("subject") or None,
        "dcterms:subject": w.terms_of("subject") or None,
        "creator": [creator_node(c.creator, c.role, linked) for c in w.credits] or None,
        "dcterms:creator": [c.creator.name for c in w.credits] or None,
        "sameAs": [v for v in w.external_ids.values() if isinstance(v, str) and v.startswith("http")] or None,
        "dcterms:provenance": ai_provenance(w) or None,
    }
    node.update({k: v for k, v in optional.items() if v is not None})
    return node


def write_jsonld(session: Session, out: IO[str], hidden: frozenset[int] = frozenset(),
                 linked: Mapping[int, Sequence[str]] | None = None) -> int:
    """Stream a JSON-LD document with one @graph node per work (but ``hidden``); ``linked``: creators' extra sameAs."""
    out.write('{"@context": ' + json.dumps(JSONLD_CONTEXT) + ', "@graph": [\n')
    n = 0
    for w in _works(session, hidden):
        out.write((",\n" if n else "") + json.dumps(jsonld_node(w, linked), ensure_ascii=False))
        n += 1
    out.write("\n]}\n")
    return n
