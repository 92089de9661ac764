"""Catalogue search as a service: build the BM25F index of works and creators from the store (a job), keep it in
``MUSEION_HOME/search/``, and answer searches with facets, corrections and availability.

The index is a folder of arrays, not database tables: one engine ranks the same on SQLite and PostgreSQL, segments
Chinese with jieba, and answers in about a millisecond in process. It is a snapshot: works added after a build are
found once the index is rebuilt (``built_at`` says when); works deleted since are dropped when results are read.
Every result passes through ``museion.rights.availability`` for the ``display`` use: by default unavailable works are
left out, and the availability facet counts both.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.errors import MuseionError, NotFound
from museion.rights.availability import unavailable
from museion.store.base import utcnow
from museion.store.files import private_dir, private_staging, write_private
from museion.studio import ranking
from museion.studio.analysis import query_terms
from museion.studio.exhibition import medium_family

FOLDER, CURRENT = "search", "current"
MAX_QUERY = 500  # characters; longer input is refused, not truncated silently
FACETS = ("kind", "source", "creator", "subject", "genre", "movement", "era", "medium")
HIDDEN = ("creator_id",)  # filters the faces use that are not shown as facets
AVAILABILITY = ("available", "unavailable", "any")
CREATOR_BOOSTS = {"name": 3.0, "nationality": 1.0, "birth_place": 1.0}
Progress = Callable[[float, str], None]


def era(year: int | None) -> list[str]:
    """A work's half-century, e.g. "1850–1899" (language-neutral, so it needs no translation)."""
    if year is None:
        return []
    start = year // 50 * 50
    return [f"{start}–{start + 49}"]


def work_docs(conn: Connection) -> list[ranking.Doc]:
    terms: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for w, vocabulary, term in conn.execute(select(WorkTerm.work_id, WorkTerm.vocabulary, WorkTerm.term)
                                            .order_by(WorkTerm.work_id, WorkTerm.position, WorkTerm.id)):
        terms[w][vocabulary].append(term)
    credits: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for w, cid, name in conn.execute(select(Credit.work_id, Creator.id, Creator.name).join(Creator, Creator.id == Credit.creator_id)
                                     .order_by(Credit.work_id, Credit.position, Credit.id)):
        credits[w].append((int(cid), name))
    docs = []
    for r in conn.execute(select(Work.id, Work.kind, Work.source, Work.title, Work.year, Work.description, Work.medium,
                                 Work.image_url).order_by(Work.id)):
        t, c = terms.get(r.id, {}), credits.get(r.id, [])
        names = [n for _, n in c]
        tags = [term for vocabulary, values in t.items() if vocabulary not in ("subject", "genre", "movement") for term in values]
        family = medium_family(r.medium)
        title = r.title or ""
        prior = (bool(r.image_url) + bool(c) + min(len(t.get("subject", ())), 5) / 5 + (r.year is not None)
                 + bool(r.description) + (title[:1].isalpha()))  # well-described works first when nothing is searched
        docs.append(ranking.Doc(
            id=int(r.id),
            fields={"title": title, "creators": names, "subjects": t.get("subject", []), "movements": t.get("movement", []),
                    "genres": t.get("genre", []), "medium": r.medium or "", "tags": tags, "description": r.description or ""},
            facets={"kind": [r.kind], "source": [r.source], "creator": names, "creator_id": [str(i) for i, _ in c],
                    "subject": t.get("subject", []), "genre": t.get("genre", []), "movement": t.get("movement", []),
                    "era": era(r.year), "medium": [family.capitalize()] if family else []},
            prior=prior))
    return docs


def _creator_docs(conn: Connection) -> list[ranking.Doc]:
    works = dict(conn.execute(select(Credit.creator_id, Credit.work_id)).all())  # any one: prior is "has works"
    return [ranking.Doc(id=int(r.id), fields={"name": r.name, "nationality": r.nationality or "", "birth_place": r.birth_place or ""},
                        facets={"gender": [r.gender] if r.gender else [], "source": [r.source]}, prior=float(r.id in works))
            for r in conn.execute(select(Creator.id, Creator.name, Creator.nationality, Creator.birth_place, Creator.gender,
                                         Creator.source).order_by(Creator.id))]


def build_index(engine: Engine, home: Path, *, progress: Progress | None = None,
                boosts: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Read the catalogue, build both indexes, and make them current in one rename; return what was built."""
    report = progress or (lambda _f, _m: None)
    started = utcnow()
    report(0.05, "reading works, terms and credits")
    with engine.connect() as conn:
        works, creators = work_docs(conn), _creator_docs(conn)
    report(0.3, f"indexing {len(works)} works")
    work_index = ranking.build(works, boosts)
    report(0.8, f"indexing {len(creators)} creators")
    creator_index = ranking.build(creators, CREATOR_BOOSTS)
    root = private_dir(home / FOLDER)
    name = started.strftime("%Y%m%dT%H%M%S%fZ")
    staging = private_staging(root, name)
    try:
        for part, index in (("works", work_index), ("creators", creator_index)):
            for file_name, content in ranking.save(index).items():
                write_private(private_dir(staging / part) / file_name, content)
        seconds = (utcnow() - started).total_seconds()
        size = sum(f.stat().st_size for f in staging.rglob("*") if f.is_file())
        info = {"built_at": started.isoformat(), "works": len(works), "creators": len(creators), "terms": len(work_index.vocabulary),
                "fields": list(work_index.boosts), "seconds": round(seconds, 2), "bytes": size}
        write_private(staging / "info.json", json.dumps(info))
        staging.rename(root / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    write_private(root / CURRENT, name)
    for old in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in (name, ".")):
        if not old.name.startswith(".") and old.name < name:
            shutil.rmtree(old, ignore_errors=True)  # a process still holding an older index keeps it in memory
    report(1.0, "done")
    return info


@dataclass(frozen=True)
class Loaded:
    name: str
    info: dict[str, Any]
    works: ranking.Index
    creators: ranking.Index


_loaded: dict[str, Loaded] = {}
_lock = threading.Lock()


def current(home: Path) -> Loaded | None:
    """The current index (read once per process and build), or None when none was built."""
    root = home / FOLDER
    for _ in range(3):  # a rebuild may replace the named index (and remove it) between reading the pointer and loading
        try:
            name = (root / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        key = str(root / name)
        with _lock:
            if key not in _loaded:
                folder = root / name
                try:
                    loaded = Loaded(name, json.loads((folder / "info.json").read_text()), ranking.load(folder / "works"),
                                    ranking.load(folder / "creators"))
                except FileNotFoundError:
                    continue  # replaced meanwhile: read the pointer again
                _loaded.clear()
                _loaded[key] = loaded
            return _loaded[key]
    raise NotFound("the search index is being rebuilt: try again in a moment")


def require(home: Path) -> Loaded:
    loaded = current(home)
    if loaded is None:
        raise NotFound("the search index has not been built: run `museion studio index` or start it from the studio page")
    return loaded


@dataclass(frozen=True)
class Results:
    ids: list[int]
    scores: list[float]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    corrections: dict[str, str]
    terms: list[str]
    built_at: str


def checked_query(q: str | None) -> str:
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise MuseionError("a search is at most %(most)s characters, not %(n)s", most=MAX_QUERY, n=len(q))
    return q


def _availability(conn: Connection, index: ranking.Index, choice: str,
                  territory: str | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows that may not be displayed in ``territory`` today, and the rows the choice keeps (None: all)."""
    if choice not in AVAILABILITY:
        raise MuseionError("availability is one of %(known)s, not %(value)r", known=", ".join(AVAILABILITY), value=choice)
    blocked = np.zeros(len(index.ids), dtype=bool)
    rows = [index.rows[w] for w in unavailable(conn, "display", territory).blocked if w in index.rows]
    blocked[rows] = True
    return blocked, {"available": ~blocked, "unavailable": blocked, "any": None}[choice]


def search_works(conn: Connection, home: Path, q: str | None, *, filters: Mapping[str, str] | None = None,
                 availability: str = "available", territory: str | None = None, offset: int = 0, limit: int = 20) -> Results:
    """Works for a query (or, for none, the well-described first), filtered by facets and availability."""
    loaded = require(home)
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if unknown := sorted(set(filters) - set(FACETS) - set(HIDDEN)):
        raise MuseionError("unknown facet %(name)s; facets are %(known)s", name=unknown[0], known=", ".join(FACETS))
    blocked, keep = _availability(conn, loaded.works, availability, territory)
    text = checked_query(q)
    found = ranking.search(loaded.works, query_terms(text), filters=filters, keep=keep, offset=offset, limit=limit,
                           facets=FACETS, text=text)
    facets = dict(found.facets)
    facets["availability"] = [(name, n) for name, n in (("available", int((found.matched & ~blocked).sum())),
                                                       ("unavailable", int((found.matched & blocked).sum()))) if n]
    return Results([h.id for h in found.hits], [h.score for h in found.hits], found.total, facets, found.corrections,
                   found.terms, loaded.info["built_at"])


def search_creators(home: Path, q: str | None, *, limit: int = 10) -> list[int]:
    """Creator ids for a name query, best first."""
    loaded = require(home)
    found = ranking.search(loaded.creators, query_terms(checked_query(q)), limit=limit, facets=())
    return [h.id for h in found.hits]


def more_like_this(conn: Connection, home: Path, work_id: int, *, limit: int = 10) -> list[tuple[int, float]]:
    """Works most like ``work_id`` by their shared weighted terms (available ones only)."""
    loaded = require(home)
    row = loaded.works.rows.get(work_id)
    if row is None:
        raise NotFound("work %(id)s is not in the search index (built %(at)s): rebuild it", id=work_id, at=loaded.info["built_at"])
    blocked, _ = _availability(conn, loaded.works, "available")
    return [(h.id, h.score) for h in ranking.like_this(loaded.works, row, keep=~blocked, limit=limit)]



def alike(conn: Connection, home: Path, work_id: int, *, limit: int = 10) -> tuple[list[tuple[int, float, list[str]]], str]:
    """``more_like_this`` with each work's shared terms (why it is alike), and the index's ``built_at`` (its version)."""
    found, loaded = more_like_this(conn, home, work_id, limit=limit), require(home)
    rows = loaded.works.rows
    return ([(i, s, ranking.shared_terms(loaded.works, rows[work_id], rows[i])) for i, s in found],
            str(loaded.info["built_at"]))
