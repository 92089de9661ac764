"""Related works as AI suggestions: "more like this" in the search index proposes up to N works related to one work,
each as a ``studio.related`` proposal with its evidence (the terms the two share, the ranking score) and the model
version (the index's ``built_at``). A curator decides; an accepted one becomes a ``related`` work link — written by
the same code as a decided duplicate (``museion.rights.matching``) — shown on the work page with who accepted it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, select

from museion.catalog.models import Work
from museion.collab.models import Proposal
from museion.collab.queue import Draft, Outcome, on_decided, propose_many
from museion.errors import NotFound
from museion.rights.matching import link, unlink
from museion.studio import search

KIND = "studio.related"
SOURCE = "studio.related"
MOST = 20


def _subject(key: str, other: str) -> str:
    return f"works:{key}|{other}"[:256]


def propose_related(conn: Connection, home: Path, key: str, *, limit: int = 5, proposed_by: str = SOURCE) -> list[int]:
    """Queue up to ``limit`` works most like work ``key`` (pairs already proposed are skipped); returns the new
    proposals' ids. Needs a built search index (``museion studio index``)."""
    work_id = conn.scalar(select(Work.id).where(Work.key == key))
    if work_id is None:
        raise NotFound("no work %(keys)s in the catalogue", keys=key)
    found, built_at = search.alike(conn, home, int(work_id), limit=min(limit, MOST))
    keys = dict(conn.execute(select(Work.id, Work.key).where(Work.id.in_([i for i, _, _ in found]))).all())
    known = set(conn.scalars(select(Proposal.subject).where(Proposal.kind == KIND)))
    drafts = [Draft(kind=KIND, subject=_subject(key, keys[i]), proposed_by=proposed_by, risk="low",
                    payload={"works": [key, keys[i]], "relation": "related"},
                    evidence={"model": f"search index built {built_at}", "score": round(score, 4), "shared_terms": terms})
              for i, score, terms in found if i in keys and _subject(key, keys[i]) not in known]
    return propose_many(conn, drafts)


@on_decided(KIND)
def _related_decided(conn: Connection, outcome: Outcome) -> None:
    """Accepted or edited: link the works as related (or as the curator's edit says); rejected: nothing is written;
    undone: the link goes."""
    if outcome.decision == "undo":
        unlink(conn, outcome)
    elif outcome.decision in ("accept", "edit", "auto"):
        link(conn, outcome, str((outcome.final or {}).get("relation", "related")))
