"""The same person across sources, from the catalogue to a curator's decision: read the creators of two sources,
score candidate pairs (``museion.heritage.creator_match``), queue new pairs as ``heritage.same_creator`` proposals with
their evidence, and turn each decision into a creator link: accepted, ``same_person`` (pages and exports then name the
other record and its identifiers); rejected, ``distinct`` (never proposed again). Records are never merged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from museion import audit
from museion.catalog.identifiers import labelled_identifiers, same_as_uris
from museion.catalog.models import Creator
from museion.collab.models import Proposal
from museion.collab.queue import Draft, Outcome, on_decided, propose_many
from museion.errors import MuseionError, NotFound
from museion.heritage.creator_match import THRESHOLD, Pair, Person, match
from museion.heritage.link_models import RELATIONS, CreatorLink

KIND = "heritage.same_creator"
SOURCE = "heritage.creator_match"
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Found:
    """What a scan read and found, before anything is written."""
    sources: tuple[str, ...]
    creators: dict[str, int]
    threshold: float
    pairs: list[Pair]
    people: dict[str, Person]


def creator_uri(key: str) -> str:
    """The catalogue's own address of a creator record (as in the JSON-LD export)."""
    return f"urn:museion:creator:{key}"


def people(conn: Connection, source: str) -> list[Person]:
    """Every creator of ``source`` as the matcher sees it."""
    rows = conn.execute(select(Creator.key, Creator.name, Creator.birth_year, Creator.death_year, Creator.gender,
                               Creator.nationality, Creator.external_ids).where(Creator.source == source).order_by(Creator.id))
    return [Person(key, source, name or "", birth, death, gender, nationality,
                   tuple((s, str(ids[s]).strip()) for s in ("wikidata", "ulan") if (ids or {}).get(s)))
            for key, name, birth, death, gender, nationality, ids in rows]


def _pair(subject: str) -> tuple[str, str] | None:
    head, _, rest = subject.partition(":")
    first, _, second = rest.partition("|")
    return (first, second) if head == "creators" and first and second else None


def known_pairs(conn: Connection) -> set[tuple[str, str]]:
    """Pairs already proposed (waiting or decided) or linked: a pair goes to curators once."""
    found = {p for p in map(_pair, conn.scalars(select(Proposal.subject).where(Proposal.kind == KIND))) if p}
    first, second = Creator.__table__.alias("first"), Creator.__table__.alias("second")
    rows = conn.execute(select(first.c.key, second.c.key).select_from(CreatorLink)
                        .join(first, first.c.id == CreatorLink.creator_id).join(second, second.c.id == CreatorLink.other_creator_id))
    return found | {(min(a, b), max(a, b)) for a, b in rows}


def find(conn: Connection, sources: Sequence[str] = ("tate", "moma"), *, threshold: float | None = None,
         progress: Progress | None = None) -> Found:
    """Score the creators of two sources against each other (or one source against itself) and keep new pairs."""
    chosen = tuple(dict.fromkeys(s.strip() for s in sources if s.strip()))
    if not 1 <= len(chosen) <= 2:
        raise MuseionError("give one or two sources to match, e.g. tate,moma (got %(n)s)", n=len(chosen))
    cut = THRESHOLD if threshold is None else threshold
    if not 0 < cut <= 1:
        raise MuseionError("threshold must lie in (0, 1], not %(t)s", t=cut)
    groups = [people(conn, s) for s in chosen]
    for source, group in zip(chosen, groups):
        if not group:
            raise NotFound("no creators from source %(source)s", source=source)
    if progress:
        progress(0.3, f"scoring candidate pairs among {sum(map(len, groups)):,} creators")
    pairs = match(groups[0], groups[1] if len(groups) == 2 else None, threshold=cut, skip=known_pairs(conn))
    return Found(chosen, {s: len(g) for s, g in zip(chosen, groups)}, cut, pairs,
                 {p.key: p for group in groups for p in group})


def _life(p: Person) -> str:
    return f"{p.birth if p.birth is not None else '?'}–{p.death if p.death is not None else ''}"


def draft(pair: Pair, by_key: dict[str, Person]) -> Draft:
    """A pair as a proposal: both records with names, years and identifiers beside the score and its parts."""
    a, b = by_key[pair.first], by_key[pair.second]
    return Draft(kind=KIND, subject=f"creators:{pair.first}|{pair.second}"[:256], proposed_by=SOURCE, risk="low",
                 confidence=round(pair.score, 4), payload={"creators": [pair.first, pair.second], "relation": "same_person"},
                 evidence={"names": [a.name, b.name], "years": [_life(a), _life(b)], "score": round(pair.score, 4),
                           "similarity": round(pair.name_similarity, 4), "dates": pair.dates,
                           "shared_ids": list(pair.shared_ids), "conflicting_ids": list(pair.conflicting_ids),
                           "genders": [a.gender or "", b.gender or ""], "nationalities": [a.nationality or "", b.nationality or ""],
                           "reasons": list(pair.reasons)})


def propose(conn: Connection, found: Found, *, limit: int = 500) -> list[int]:
    """Queue the ``limit`` best new pairs of ``found`` (identifier matches first) for curators."""
    if limit < 1:
        raise MuseionError("limit must be at least 1")
    return propose_many(conn, [draft(p, found.people) for p in found.pairs[:limit]])


def scan(conn: Connection, sources: Sequence[str] = ("tate", "moma"), *, threshold: float | None = None,
         limit: int = 500, progress: Progress | None = None) -> dict[str, Any]:
    """Find and queue in one go (the CLI's road; the job reads, reports progress, then writes)."""
    found = find(conn, sources, threshold=threshold, progress=progress)
    proposed = propose(conn, found, limit=limit)
    return summary(found, proposed)


def summary(found: Found, proposed: list[int]) -> dict[str, Any]:
    return {"sources": list(found.sources), "creators": found.creators, "threshold": found.threshold,
            "pairs": len(found.pairs), "identifier_matches": sum(1 for p in found.pairs if p.shared_ids),
            "proposed": proposed}


@on_decided(KIND)
def _decided(conn: Connection, outcome: Outcome) -> None:
    """Accepted, edited or applied: link the records as the decision says; rejected: remember they are distinct;
    undone: forget the link."""
    if outcome.decision == "undo":
        conn.execute(delete(CreatorLink).where(CreatorLink.proposal_id == outcome.proposal_id))
        return
    relation = "distinct" if outcome.decision == "reject" else str((outcome.final or {}).get("relation", "same_person"))
    if relation not in RELATIONS:
        raise MuseionError("relation must be same_person or distinct, not %(relation)r", relation=relation)
    keys = list(outcome.proposed["creators"])
    ids = dict(conn.execute(select(Creator.key, Creator.id).where(Creator.key.in_(keys))).all())
    if len(ids) != 2:
        raise NotFound("a creator of this match no longer exists: %(keys)s", keys=", ".join(keys))
    conn.execute(insert(CreatorLink).values(creator_id=ids[keys[0]], other_creator_id=ids[keys[1]], relation=relation,
                                            proposal_id=outcome.proposal_id, decided_by=outcome.decided_by))


def unlink(conn: Connection, link_id: int, actor: str) -> dict[str, Any]:
    """Remove a decided link (a curator changed their mind); the pair stays decided in the queue, so it is not
    proposed again unless someone proposes it by hand. Recorded in the audit chain."""
    row = conn.execute(select(CreatorLink.__table__).where(CreatorLink.id == link_id)).first()
    if row is None:
        raise NotFound("creator link %(id)s does not exist", id=link_id)
    conn.execute(delete(CreatorLink).where(CreatorLink.id == link_id))
    audit.record(conn, actor=actor, action="heritage.creator_unlink", target=f"creator_link:{link_id}",
                 details={"creators": [row.creator_id, row.other_creator_id], "relation": row.relation,
                          "proposal": row.proposal_id})
    return dict(row._mapping)


def links(conn: Connection, *, relation: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Decided creator links, newest first, with both records' keys, sources and names."""
    first, second = Creator.__table__.alias("first"), Creator.__table__.alias("second")
    query = (select(CreatorLink.id, CreatorLink.relation, CreatorLink.proposal_id, CreatorLink.decided_by,
                    CreatorLink.created_at, first.c.id.label("creator_id"), first.c.key.label("creator"),
                    first.c.name.label("creator_name"), second.c.id.label("other_creator_id"),
                    second.c.key.label("other_creator"), second.c.name.label("other_name"))
             .join(first, first.c.id == CreatorLink.creator_id).join(second, second.c.id == CreatorLink.other_creator_id)
             .order_by(CreatorLink.id.desc()).limit(limit))
    if relation is not None:
        query = query.where(CreatorLink.relation == relation)
    return [dict(r._mapping) for r in conn.execute(query)]


def same_person(conn: Connection, creator_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """For each of ``creator_ids``, the other records curators decided are the same person, with their identifiers."""
    if not creator_ids:
        return {}
    wanted = set(creator_ids)
    rows = conn.execute(select(CreatorLink.id, CreatorLink.creator_id, CreatorLink.other_creator_id, CreatorLink.decided_by,
                               CreatorLink.proposal_id)
                        .where(CreatorLink.relation == "same_person",
                               or_(CreatorLink.creator_id.in_(wanted), CreatorLink.other_creator_id.in_(wanted)))).all()
    others = {r.other_creator_id if r.creator_id in wanted else r.creator_id for r in rows}
    records = {c.id: c for c in conn.execute(select(Creator.id, Creator.key, Creator.source, Creator.name, Creator.birth_year,
                                                    Creator.death_year, Creator.external_ids).where(Creator.id.in_(others)))}
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        for mine, other in ((r.creator_id, r.other_creator_id), (r.other_creator_id, r.creator_id)):
            if mine in wanted and other in records:
                c = records[other]
                found[mine].append({"link_id": r.id, "id": c.id, "key": c.key, "source": c.source, "name": c.name,
                                    "birth_year": c.birth_year, "death_year": c.death_year, "decided_by": r.decided_by,
                                    "proposal_id": r.proposal_id, "identifiers": labelled_identifiers(c.external_ids or {}),
                                    "same_as": [creator_uri(c.key), *same_as_uris(c.external_ids or {})]})
    return dict(found)


def linked_uris(conn: Connection, creator_ids: Sequence[int] | None = None) -> dict[int, list[str]]:
    """Extra ``sameAs`` URIs per creator id from same-person links (all linked creators when ``creator_ids`` is None):
    the other record's address and its Wikidata/ULAN/source URIs."""
    ids = list(creator_ids) if creator_ids is not None else list(
        {i for pair in conn.execute(select(CreatorLink.creator_id, CreatorLink.other_creator_id)
                                    .where(CreatorLink.relation == "same_person")) for i in pair})
    return {cid: [u for other in found for u in other["same_as"]] for cid, found in same_person(conn, ids).items()}


def same_as(conn: Connection, creator: Creator) -> list[str]:
    """All ``sameAs`` URIs of one creator: its own identifiers, then those of the records linked to it."""
    return list(dict.fromkeys([*same_as_uris(creator.external_ids or {}), *linked_uris(conn, [creator.id]).get(creator.id, [])]))
