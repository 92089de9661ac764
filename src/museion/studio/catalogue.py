"""The catalogue's search as the API and the web page use it: ranked by the search index when one is built, by the
old title match when none is (a fresh install, before `museion studio index`), and saying which answered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from museion.catalog import queries
from museion.catalog.models import Work
from museion.errors import MuseionError
from museion.rights.availability import unavailable
from museion.studio import search

TITLE_FILTERS = ("kind", "genre", "subject", "source", "creator_id")  # what the title match can filter by


@dataclass(frozen=True)
class CataloguePage:
    works: list[Work]
    total: int
    engine: str
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    corrections: dict[str, str] = field(default_factory=dict)
    built_at: str | None = None


def find_works(session: Session, home: Path, q: str | None, filters: Mapping[str, str | int | None], *,
               territory: str | None = None, offset: int = 0, limit: int = 30) -> CataloguePage:
    """One page of works for ``q`` and ``filters`` (kind, genre, subject, source, creator_id, …), only works that may be
    displayed in ``territory`` today (``museion.rights.availability``)."""
    conn = session.connection()
    given = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    if search.current(home) is not None:
        found = search.search_works(conn, home, q, filters=given, territory=territory, offset=offset, limit=limit)
        return CataloguePage(queries.works_by_ids(session, found.ids), found.total, "index", found.facets,
                             found.corrections, found.built_at)
    if extra := sorted(set(given) - set(TITLE_FILTERS)):
        raise MuseionError("filtering by %(name)s needs the search index: build it with `museion studio index`", name=extra[0])
    creator = given.pop("creator_id", None)
    f = queries.WorkFilter(q=search.checked_query(q) or None, kind=given.get("kind"), genre=given.get("genre"),
                           subject=given.get("subject"), source=given.get("source"),
                           creator_id=int(creator) if creator else None,
                           hidden=unavailable(conn, "display", territory).blocked)
    page = queries.list_works(session, f, offset=offset, limit=limit)
    return CataloguePage(page.items, page.total, "titles")
