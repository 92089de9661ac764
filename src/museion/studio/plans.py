"""Exhibition plans a curator builds and edits: a theme — a search query (through the search index), a catalogue
subject, or seed works ("more like this") — becomes a plan of N works (``museion.studio.exhibition``), with
representation targets over the fairness audit's creator groups (gender, nationality) and the works' era, only works
that may be displayed (``museion.rights.availability``). Each swap, pin, unpin or move is a new revision, so the plan
keeps its history; publishing queues it as a ``studio.exhibition`` proposal, and the curators' acceptance opens it as a
public gallery (``museion.studio.exhibitions.published``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.collab.queue import Draft, propose
from museion.errors import Conflict, MuseionError, NotFound
from museion.fairness.groups import attribute_labels
from museion.rights.availability import unavailable
from museion.studio import search
from museion.studio.exhibition import ORDERS, Candidate, Plan, draft, reason_text, reasons
from museion.studio.exhibitions import KIND, MAX_WORKS, MIN_WORKS
from museion.studio.models import ExhibitionPlan, ExhibitionRevision
from museion.studio.records import SUBJECT, work_records

THEMES = ("query", "subject", "seeds")
DIMENSIONS = ("gender", "nationality", "era")
POOL = 400  # candidates read for a query or seed theme, best first


def parse_targets(texts: Sequence[str]) -> dict[tuple[str, str], int]:
    """``["gender=female:6", "era=1900–1949:4"]`` → {("gender", "female"): 6, …}; a bad one is refused by name."""
    targets: dict[tuple[str, str], int] = {}
    for text in texts:
        dimension, _, rest = text.partition("=")
        group, _, count = rest.rpartition(":")
        if dimension.strip() not in DIMENSIONS or not group.strip() or not count.strip().isdigit() or not 1 <= int(count) <= MAX_WORKS:
            raise MuseionError("representation target %(text)r is not DIMENSION=GROUP:COUNT with DIMENSION one of %(known)s "
                               "and COUNT from 1 to %(most)s", text=text, known=", ".join(DIMENSIONS), most=MAX_WORKS)
        targets[(dimension.strip(), group.strip())] = int(count)
    return targets


def _theme_ids(conn: Connection, home: Path, theme: str, by: str) -> dict[int, float]:
    """Displayable work ids matching the theme, each with its relevance in [0, 1]."""
    if by not in THEMES:
        raise MuseionError("a theme is one of %(known)s, not %(by)s", known=", ".join(THEMES), by=by)
    blocked = unavailable(conn, "display").blocked
    if by == "subject":
        found = {int(i): 1.0 for i in conn.scalars(select(WorkTerm.work_id).where(
            WorkTerm.vocabulary == SUBJECT, func.lower(WorkTerm.term) == theme.strip().casefold()).distinct())}
    elif by == "query":
        results = search.search_works(conn, home, theme, limit=POOL)
        top = max(results.scores, default=1.0) or 1.0
        found = {i: s / top for i, s in zip(results.ids, results.scores)} if theme.strip() else {}
    else:
        keys = [k.strip() for k in theme.split(",") if k.strip()]
        seeds = {str(k): int(i) for k, i in conn.execute(select(Work.key, Work.id).where(Work.key.in_(keys)))}
        if missing := [k for k in keys if k not in seeds]:
            raise NotFound("no work %(keys)s in the catalogue", keys=", ".join(missing[:5]))
        found = {int(i): 1.0 for i in seeds.values()}
        for seed in seeds.values():
            alike = search.more_like_this(conn, home, int(seed), limit=POOL // max(len(seeds), 1))
            top = max((s for _, s in alike), default=1.0) or 1.0
            for i, s in alike:
                found[i] = max(found.get(i, 0.0), s / top)
    return {i: r for i, r in found.items() if i not in blocked}


def _candidates(conn: Connection, relevance: Mapping[int, float]) -> list[Candidate]:
    """The works as the builder reads them, with their first creator's gender and nationality and their era."""
    records, ids = work_records(conn, list(relevance))
    first: dict[int, tuple[str | None, str | None]] = {}
    for work_id, gender, nationality in conn.execute(
            select(Credit.work_id, Creator.gender, Creator.nationality).join(Creator, Creator.id == Credit.creator_id)
            .where(Credit.work_id.in_(list(relevance))).order_by(Credit.work_id, Credit.position)):
        first.setdefault(int(work_id), (gender, nationality))
    out = []
    for r in records:
        gender, nationality = (str(x) for x in attribute_labels(list(first.get(ids[r.key], (None, None)))))
        groups = (("gender", gender.casefold()), ("nationality", nationality), *(("era", e) for e in search.era(r.year)))
        out.append(Candidate(r.key, r.title, r.year, r.creators, r.medium, r.subjects, groups, relevance[ids[r.key]]))
    return out


def _rows(plan: Plan) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    works = [{"key": p.work.key, "title": p.work.title, "year": p.work.year, "creators": list(p.work.creators),
              "reasons": reasons(p), "pinned": p.pinned} for p in plan.picks]
    summary = {"candidates": plan.candidates, "sub_themes": plan.sub_themes, "creators": plan.creators, "mediums": plan.mediums,
               "targets": [{"dimension": d, "group": g, "wanted": n, "got": got} for d, g, n, got in plan.targets]}
    return works, summary


def build(conn: Connection, home: Path, theme: str, *, by: str = "query", size: int = 20,
          targets: Mapping[tuple[str, str], int] | None = None, order: str = "chronological", pinned: Sequence[str] = (),
          ) -> Plan:
    """The builder's plan for a theme (nothing saved)."""
    if not MIN_WORKS <= size <= MAX_WORKS:
        raise MuseionError("an exhibition draft holds %(least)s to %(most)s works, not %(size)s",
                           least=MIN_WORKS, most=MAX_WORKS, size=size)
    if order not in ORDERS:
        raise MuseionError("an exhibition is hung in %(known)s order, not %(order)s", known=" or ".join(ORDERS), order=order)
    relevance = _theme_ids(conn, home, theme, by)
    if not relevance:
        raise NotFound("no displayable works match the theme %(theme)r: try another query, subject or seed works", theme=theme)
    return draft(_candidates(conn, relevance), theme, size, targets=targets, pinned=pinned, order=order)


def create(conn: Connection, home: Path, theme: str, *, actor: str, by: str = "query", size: int = 20, title: str | None = None,
           targets: Mapping[tuple[str, str], int] | None = None, order: str = "chronological") -> int:
    """Build a plan and save it as revision 1; returns the plan's id."""
    plan = build(conn, home, theme, by=by, size=size, targets=targets, order=order)
    plan_id = conn.execute(insert(ExhibitionPlan).values(title=(title or theme).strip()[:255], theme=theme.strip()[:512],
                                                          theme_by=by, created_by=actor)).inserted_primary_key[0]
    works, summary = _rows(plan)
    summary["order"] = order
    _save(conn, int(plan_id), 1, works, summary, f"built from {by} {theme.strip()[:200]!r}", actor)
    return int(plan_id)


def _save(conn: Connection, plan_id: int, number: int, works: list[dict[str, Any]], summary: dict[str, Any], change: str,
          actor: str) -> None:
    conn.execute(insert(ExhibitionRevision).values(plan_id=plan_id, number=number, works=works, summary=summary,
                                                   change=change[:255], actor=actor))


def show(conn: Connection, plan_id: int) -> dict[str, Any]:
    """A plan with its current works and its history, newest revision first."""
    plan = conn.execute(select(ExhibitionPlan.__table__).where(ExhibitionPlan.id == plan_id)).mappings().first()
    if plan is None:
        raise NotFound("no exhibition plan %(id)s", id=plan_id)
    history = [dict(r) for r in conn.execute(select(ExhibitionRevision.__table__).where(ExhibitionRevision.plan_id == plan_id)
                                             .order_by(ExhibitionRevision.number.desc())).mappings()]
    return {**dict(plan), "current": history[0], "history": history}


def plans(conn: Connection) -> list[dict[str, Any]]:
    """Every plan, newest first, with its revision count."""
    count = (select(ExhibitionRevision.plan_id, func.max(ExhibitionRevision.number).label("revisions"))
             .group_by(ExhibitionRevision.plan_id).subquery())
    return [dict(r) for r in conn.execute(select(ExhibitionPlan.__table__, count.c.revisions)
                                          .join(count, count.c.plan_id == ExhibitionPlan.id)
                                          .order_by(ExhibitionPlan.id.desc())).mappings()]


def revise(conn: Connection, plan_id: int, *, actor: str, op: str, key: str, other: str | None = None,
           position: int | None = None) -> int:
    """Swap ``key`` for work ``other``, pin or unpin ``key``, or move it to ``position`` (1-based); a new revision."""
    current = show(conn, plan_id)
    if current["proposal_id"] is not None:
        raise Conflict("plan %(id)s is published (proposal %(proposal)s): build a new plan to change it",
                           id=plan_id, proposal=current["proposal_id"])
    works = [dict(w) for w in current["current"]["works"]]
    keys = [w["key"] for w in works]
    if key not in keys:
        raise NotFound("work %(key)s is not in plan %(id)s", key=key, id=plan_id)
    at = keys.index(key)
    if op == "swap":
        if not other or other in keys:
            raise MuseionError("swap %(key)s for a work not already in the plan", key=key)
        if other in set(conn.scalars(select(Work.key).where(Work.id.in_(unavailable(conn, "display").blocked)))):
            raise MuseionError("work %(key)s may not be displayed here now (rights and licences)", key=other)
        records, _ = work_records(conn, list(conn.scalars(select(Work.id).where(Work.key == other))))
        if not records:
            raise NotFound("no work %(keys)s in the catalogue", keys=other)
        r = records[0]
        works[at] = {"key": r.key, "title": r.title, "year": r.year, "creators": list(r.creators),
                     "reasons": [{"why": "curator", "what": key}], "pinned": True}
        change = f"swapped {key} for {other}"
    elif op in ("pin", "unpin"):
        works[at]["pinned"] = op == "pin"
        change = f"{op}ned {key}"
    elif op == "move":
        if position is None or not 1 <= position <= len(works):
            raise MuseionError("a work moves to a position from 1 to %(n)s", n=len(works))
        works.insert(position - 1, works.pop(at))
        change = f"moved {key} to {position}"
    else:
        raise MuseionError("a plan changes by swap, pin, unpin or move, not %(op)s", op=op)
    number = int(current["current"]["number"]) + 1
    _save(conn, plan_id, number, works, dict(current["current"]["summary"]), change, actor)
    return number


def rebuild(conn: Connection, home: Path, plan_id: int, *, actor: str, size: int | None = None,
            targets: Mapping[tuple[str, str], int] | None = None, order: str | None = None) -> int:
    """Build the plan's theme again around its pinned works (new targets, size or order); a new revision."""
    current = show(conn, plan_id)
    summary = current["current"]["summary"]
    old = current["current"]["works"]
    targets = targets if targets is not None else {(t["dimension"], t["group"]): t["wanted"] for t in summary["targets"]}
    order = order or summary.get("order", "chronological")
    pinned = [w["key"] for w in old if w["pinned"]]
    plan = build(conn, home, current["theme"], by=current["theme_by"], size=size or len(old), targets=targets, order=order,
                 pinned=pinned)
    extra = [w for w in old if w["pinned"] and w["key"] not in {p.work.key for p in plan.picks}]  # pinned outside the theme
    works, new_summary = _rows(plan)
    new_summary["order"] = order
    number = int(current["current"]["number"]) + 1
    _save(conn, plan_id, number, works + extra, new_summary, f"rebuilt around {len(pinned)} pinned works", actor)
    return number


def publish(conn: Connection, plan_id: int, *, actor: str) -> int:
    """Queue the plan's current revision for curators (``studio.exhibition``); accepted, it opens as a public gallery."""
    current = show(conn, plan_id)
    if current["proposal_id"] is not None:
        raise Conflict("plan %(id)s was already sent as proposal %(proposal)s", id=plan_id, proposal=current["proposal_id"])
    rev = current["current"]
    found = propose(conn, Draft(
        kind=KIND, subject=f"theme:{current['theme']}"[:256], proposed_by=actor, risk="medium",
        payload={"title": current["title"], "works": [w["key"] for w in rev["works"]]},
        evidence={"plan": plan_id, "revision": rev["number"],
                  "choices": [f"{w['key']} · {w['title']} — {'; '.join(map(reason_text, w['reasons']))}" for w in rev["works"]],
                  **{k: v for k, v in rev["summary"].items() if k in ("candidates", "sub_themes", "creators", "mediums")}}))
    conn.execute(update(ExhibitionPlan).where(ExhibitionPlan.id == plan_id).values(proposal_id=found))
    return found
