"""IIIF from the store: a displayable work's Manifest, and a published exhibition plan's Collection of the Manifests of
its works that may be displayed here and now (the same availability rule as the public gallery)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from museion.catalog.models import Work
from museion.errors import NotFound
from museion.heritage.edm_service import options_for
from museion.heritage.edm import web_uri
from museion.heritage.iiif import collection, collection_url, manifest, manifest_url, why_no_manifest
from museion.heritage.records import WorkRecord, records_by_ids
from museion.rights.availability import unavailable
from museion.studio import exhibitions, plans


def _records(session: Session, ids: list[int]) -> dict[int, WorkRecord]:
    return records_by_ids(session.connection(), ids)


def work_manifest(session: Session, work_id: int, base_url: str) -> dict[str, Any]:
    """The Manifest of a displayable work with an image; otherwise not found, saying why."""
    conn = session.connection()
    record = _records(session, [work_id]).get(work_id)
    if record is None or not unavailable(conn, "display").allows(work_id):
        raise NotFound("no work with id %(id)s available here and now", id=work_id)
    why = why_no_manifest(record)
    if why:
        raise NotFound("work %(id)s has no IIIF manifest: %(why)s", id=work_id, why=why)
    return manifest(record, base_url, **options_for(conn, [record])[0].as_kwargs())  # type: ignore[arg-type]


def published_plan(session: Session, plan_id: int) -> dict[str, Any]:
    """A plan that curators accepted (a public gallery), with its displayable works; else not found."""
    conn = session.connection()
    plan = plans.show(conn, plan_id)
    if plan["proposal_id"] is None:
        raise NotFound("exhibition plan %(id)s is not published", id=plan_id)
    try:
        return exhibitions.published(conn, plan["proposal_id"])
    except NotFound:  # sent to curators but not (yet) accepted
        raise NotFound("exhibition plan %(id)s is not published", id=plan_id) from None


def plan_collection(session: Session, plan_id: int, base_url: str) -> dict[str, Any]:
    """The Collection of a published plan: its displayable works with images, in hanging order."""
    show = published_plan(session, plan_id)
    keys = [w["key"] for w in show["works"]]
    ids = dict(session.execute(select(Work.key, Work.id).where(Work.key.in_(keys))).all())
    records = _records(session, list(ids.values()))
    ordered = [records[ids[k]] for k in keys if k in ids and ids[k] in records]
    return collection(plan_id, show.get("title") or show.get("theme") or f"Exhibition {plan_id}", ordered, base_url,
                      summary=show.get("theme"))


def gallery_links(conn: Connection, proposal_id: int, works: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """For a public gallery page: its plan's IIIF Collection address (if it came from a plan) and the Manifest address
    of each shown work that has one, by work key."""
    from museion.studio.models import ExhibitionPlan

    plan_id = conn.scalar(select(ExhibitionPlan.id).where(ExhibitionPlan.proposal_id == proposal_id))
    ids = dict(conn.execute(select(Work.key, Work.id).where(Work.key.in_([w["key"] for w in works]))).all())
    return {"collection": collection_url(base_url, plan_id) if plan_id else None,
            "manifests": {w["key"]: manifest_url(base_url, ids[w["key"]]) for w in works
                          if w["key"] in ids and web_uri(w.get("image_url")) is not None}}
