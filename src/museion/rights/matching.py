"""Near-duplicate records, from the catalogue to a curator's decision: scan the works, queue the best matches as
``rights.duplicate`` proposals with their evidence, and turn each decision into a link (``same_as``, ``related`` or
``distinct``). The threshold is learned from decisions: pairs curators rejected raise it, never below the default."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from museion.catalog.models import Creator, Credit, Work
from museion.collab.models import Proposal
from museion.collab.queue import Draft, Outcome, on_decided, outcomes, propose_many
from museion.collab.thresholds import best_cut
from museion.errors import MuseionError, NotFound
from museion.rights.duplicates import THRESHOLD, Match, Record, find_matches
from museion.rights.models import RELATIONS, WorkLink

KIND = "rights.duplicate"
SOURCE = "rights.duplicates"


@dataclass(frozen=True)
class Scan:
    records: int
    threshold: float
    matches: int
    proposed: list[int]


def catalogue_records(conn: Connection, source: str | None = None) -> list[Record]:
    """Every work (of one source) with its title, year and credited creators' names."""
    works = select(Work.id, Work.key, Work.title, Work.year, Work.medium).order_by(Work.id)
    credits = select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id)
    if source is not None:
        works = works.where(Work.source == source)
        credits = credits.join(Work, Work.id == Credit.work_id).where(Work.source == source)
    names: dict[int, list[str]] = defaultdict(list)
    for work_id, name in conn.execute(credits):
        names[work_id].append(name)
    return [Record(key, title or "", tuple(names.get(work_id, ())), year, medium)
            for work_id, key, title, year, medium in conn.execute(works)]


def _pair(subject: str) -> tuple[str, str] | None:
    head, _, rest = subject.partition(":")
    first, _, second = rest.partition("|")
    return (first, second) if head == "works" and first and second else None


def known_pairs(conn: Connection) -> set[tuple[str, str]]:
    """Pairs already proposed (decided or waiting): a pair goes to curators once."""
    subjects = conn.scalars(select(Proposal.subject).where(Proposal.kind == KIND))
    return {pair for pair in map(_pair, subjects) if pair}


def learned_threshold(conn: Connection) -> float:
    """The similarity above which curators found records to be the same or related, from every decided match."""
    judged = [(float(o.proposed.get("similarity", 0)), (o.final or {}).get("relation", "distinct") != "distinct")
              for o in outcomes(conn, KIND) if o.decision in ("accept", "edit", "reject")]
    return best_cut(judged, THRESHOLD, flag_above=False)


def _draft(match: Match, records: dict[str, Record]) -> Draft:
    a, b = records[match.first], records[match.second]
    return Draft(kind=KIND, subject=f"works:{match.first}|{match.second}"[:256], proposed_by=SOURCE, risk="low",
                 confidence=round(match.similarity, 4),
                 payload={"works": [match.first, match.second], "relation": "same_as", "similarity": round(match.similarity, 4)},
                 evidence={"titles": [a.title, b.title], "creators": [", ".join(a.creators), ", ".join(b.creators)],
                           "years": [a.year, b.year], "mediums": [a.medium, b.medium], "shared_shingles": match.shared})


def scan(conn: Connection, *, source: str | None = None, limit: int = 50, threshold: float | None = None,
         finder: Callable[..., list[Match]] = find_matches) -> Scan:
    """Find near-duplicate records and queue the ``limit`` most similar new pairs for curators (``finder``: the pair
    search, :func:`find_matches` or museion.scale's mapped over record partitions)."""
    if limit < 1:
        raise MuseionError("limit must be at least 1")
    records = catalogue_records(conn, source)
    if source is not None and not records:
        raise NotFound("no works from source %(source)s", source=source)
    cut = learned_threshold(conn) if threshold is None else threshold
    found = finder(records, cut, pairs_seen=known_pairs(conn))
    by_key = {r.key: r for r in records}
    proposed = propose_many(conn, [_draft(m, by_key) for m in found[:limit]])
    return Scan(len(records), cut, len(found), proposed)


def links(conn: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Decided links, newest first, with both works' keys and titles."""
    first, second = Work.__table__.alias("first"), Work.__table__.alias("second")
    rows = conn.execute(select(WorkLink.id, WorkLink.relation, WorkLink.proposal_id, WorkLink.decided_by, WorkLink.created_at,
                               first.c.key.label("work"), first.c.title.label("work_title"),
                               second.c.key.label("other_work"), second.c.title.label("other_title"))
                        .join(first, first.c.id == WorkLink.work_id).join(second, second.c.id == WorkLink.other_work_id)
                        .order_by(WorkLink.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


@on_decided(KIND)
def _match_decided(conn: Connection, outcome: Outcome) -> None:
    """Accepted or edited: link the two records as the curator said; rejected: remember they are distinct; undone:
    forget the link the AI made alone."""
    if outcome.decision == "undo":
        unlink(conn, outcome)
        return
    link(conn, outcome, "distinct" if outcome.decision == "reject" else str((outcome.final or {}).get("relation", "")))


def unlink(conn: Connection, outcome: Outcome) -> None:
    """Forget the link an undone proposal made."""
    conn.execute(delete(WorkLink).where(WorkLink.proposal_id == outcome.proposal_id))


def link(conn: Connection, outcome: Outcome, relation: str) -> None:
    """Link the two works a decided proposal names (``proposed["works"]``, by key) as ``relation``, with who decided;
    ``rights.duplicate`` and ``studio.related`` decisions both land here."""
    if relation not in RELATIONS:
        raise MuseionError("relation must be same_as, related or distinct, not %(relation)r", relation=relation)
    keys = outcome.proposed["works"]
    ids = dict(conn.execute(select(Work.key, Work.id).where(Work.key.in_(keys))).all())
    if len(ids) != 2:
        raise NotFound("a work of this match no longer exists: %(keys)s", keys=", ".join(keys))
    conn.execute(insert(WorkLink).values(work_id=ids[keys[0]], other_work_id=ids[keys[1]], relation=relation,
                                         proposal_id=outcome.proposal_id, decided_by=outcome.decided_by))
