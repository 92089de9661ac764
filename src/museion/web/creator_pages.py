"""Creators in the browser: a creator page with its linked-data identifiers (Wikidata, ULAN, the source's page) and
the records curators decided are the same person; for curators, matching creators across sources (a job whose pairs
go to the queue) and removing a decided link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.catalog import queries
from museion.catalog.identifiers import labelled_identifiers
from museion.errors import NotFound
from museion.heritage import creator_links
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, SessionDep
from museion.http.i18n import error_text
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]
CreatorId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/creators/{creator_id}", response_class=HTMLResponse)
def creator_page(request: Request, creator_id: CreatorId, session: SessionDep,
                 principal: Annotated[Principal, requires(Perm.CATALOG_READ)]) -> HTMLResponse:
    try:
        creator = queries.get_creator(session, creator_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)
    conn = session.connection()
    return templates.TemplateResponse(request, "creator.html", {
        "creator": creator, "identifiers": labelled_identifiers(creator.external_ids or {}),
        "same_person": creator_links.same_person(conn, [creator.id]).get(creator.id, []),
        "same_as": creator_links.same_as(conn, creator), "can_curate": allowed(principal.role, Perm.STUDIO_SUGGEST)})


@router.get("/heritage/creators", response_class=HTMLResponse)
def links_page(request: Request, _: Curator, conn: ConnDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "heritage_creators.html", {
        "links": creator_links.links(conn), "kind": creator_links.KIND})


@router.post("/heritage/creators/match", response_class=RedirectResponse)
def start_match(principal: Curator, queue: QueueDep,
                sources: Annotated[str, Form(max_length=130, pattern=r"^[\w.-]+(,[\w.-]+)?$")] = "tate,moma",
                limit: Annotated[int, Form(ge=1, le=10_000)] = 500) -> RedirectResponse:
    """Start matching as a job and show its progress page (it links to the queued pairs when done)."""
    job_id = queue.submit("creator_match", {"sources": sources.split(","), "limit": limit, "threshold": None}, principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/heritage/creators/links/{link_id}/unlink", response_class=RedirectResponse)
def unlink(request: Request, principal: Curator, engine: EngineDep, link_id: CreatorId,
           back: Annotated[int | None, Form(ge=1, le=2**62)] = None) -> Response:
    try:
        with engine.begin() as conn:
            creator_links.unlink(conn, link_id, principal.actor)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)
    return RedirectResponse(f"/creators/{back}" if back else "/heritage/creators", status_code=303)
