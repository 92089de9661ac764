"""Exhibition drafts through the collaboration queue: a theme (a subject of the catalogue) becomes a draft — which
works, in which order, and why each — proposed as ``studio.exhibition``; the policy sends it to two curators, since an
exhibition's narrative is creative work. Accepted or edited drafts are the saved exhibition plans, with their history
in the queue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.collab.queue import Draft, Outcome, on_decided, outcomes, propose
from museion.errors import MuseionError, NotFound
from museion.rights.availability import unavailable
from museion.studio.descriptions import accepted_walltexts
from museion.studio.exhibition import Candidate, draft
from museion.studio.records import SUBJECT, work_records

KIND = "studio.exhibition"
MIN_WORKS, MAX_WORKS = 3, 60


def _choice(pick: Any) -> str:
    work = pick.work
    parts = [f"{work.key} · {work.title} ({work.year or '?'})"]
    if pick.sub_themes:
        parts.append("+ " + ", ".join(pick.sub_themes))
    if pick.new_creator:
        parts.append("+ " + pick.new_creator)
    if pick.new_medium:
        parts.append("+ " + pick.new_medium)
    return " — ".join(parts)


def propose_exhibition(conn: Connection, theme: str, *, size: int = 12, title: str | None = None,
                       proposed_by: str = "studio.exhibition") -> int:
    """Draft an exhibition of ``size`` works on the catalogue subject ``theme`` and queue it for curators."""
    if not MIN_WORKS <= size <= MAX_WORKS:
        raise MuseionError("an exhibition draft holds %(least)s to %(most)s works, not %(size)s",
                           least=MIN_WORKS, most=MAX_WORKS, size=size)
    blocked = unavailable(conn, "display").blocked  # a show hangs only works licensed for display here and now
    ids = [i for i in conn.scalars(select(WorkTerm.work_id).where(
        WorkTerm.vocabulary == SUBJECT, func.lower(WorkTerm.term) == theme.strip().casefold()).distinct()) if i not in blocked]
    if len(ids) < MIN_WORKS:
        raise MuseionError("only %(n)s works carry the subject %(theme)r: a draft needs at least %(least)s",
                           n=len(ids), theme=theme, least=MIN_WORKS)
    records, _ = work_records(conn, ids)
    plan = draft([Candidate(r.key, r.title, r.year, r.creators, r.medium, r.subjects) for r in records], theme, size)
    return propose(conn, Draft(
        kind=KIND, subject=f"theme:{theme.strip()}"[:256], proposed_by=proposed_by, risk="medium",
        payload={"title": (title or theme).strip(), "works": [p.work.key for p in plan.picks]},
        evidence={"choices": [_choice(p) for p in plan.picks], "candidates": plan.candidates,
                  "sub_themes": plan.sub_themes, "creators": plan.creators, "mediums": plan.mediums}))


def exhibitions(conn: Connection) -> list[dict[str, Any]]:
    """The exhibition plans curators accepted (as drafted or edited), newest first."""
    return [{"proposal_id": o.proposal_id, "theme": o.subject.removeprefix("theme:"), "title": o.final["title"],
             "works": o.final["works"], "decision": o.decision, "decided_by": o.decided_by, "decided_at": o.decided_at}
            for o in reversed(outcomes(conn, KIND)) if o.decision in ("accept", "edit") and o.final]


@on_decided(KIND)
def _exhibition_decided(conn: Connection, outcome: Outcome) -> None:
    """An edited plan must still name works of the catalogue, once each, under a title."""
    if outcome.final is None:
        return
    works, title = outcome.final.get("works"), outcome.final.get("title")
    if not isinstance(title, str) or not title.strip():
        raise MuseionError("an exhibition needs a title")
    if not isinstance(works, list) or not works or len(set(works)) != len(works):
        raise MuseionError("an exhibition names each work once, and at least one")
    known = set(conn.scalars(select(Work.key).where(Work.key.in_(works))))
    if unknown := [w for w in works if w not in known]:
        raise MuseionError("no work %(keys)s in the catalogue", keys=", ".join(unknown[:5]))


def published(conn: Connection, proposal_id: int) -> dict[str, Any]:
    """An accepted exhibition as visitors see it: its title and theme, and its works in hanging order with their
    creators — only works that may be displayed here today (``museion.rights.availability``)."""
    plan = next((p for p in exhibitions(conn) if p["proposal_id"] == proposal_id), None)
    if plan is None:
        raise NotFound("no published exhibition %(id)s", id=proposal_id)
    blocked = unavailable(conn, "display").blocked
    rows = {r.key: r for r in conn.execute(select(Work.id, Work.key, Work.title, Work.year, Work.date_text, Work.medium,
                                                  Work.image_url).where(Work.key.in_(plan["works"])))}
    names: dict[int, list[str]] = {}
    for work_id, name in conn.execute(select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id)
                                      .where(Credit.work_id.in_([r.id for r in rows.values()])).order_by(Credit.position)):
        names.setdefault(work_id, []).append(name)
    texts = accepted_walltexts(conn, plan["works"])  # shown labelled AI-assisted
    works = [{"key": k, "title": rows[k].title, "year": rows[k].date_text or rows[k].year, "medium": rows[k].medium,
              "image_url": rows[k].image_url, "creators": names.get(rows[k].id, []), "walltext": texts.get(k)}
             for k in plan["works"] if k in rows and rows[k].id not in blocked]
    return {**plan, "works": works}
