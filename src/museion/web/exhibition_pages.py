"""Exhibition drafts in the browser for curators: draft one from a theme (it goes to the collaboration queue for two
curators) and read the plans curators accepted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.errors import MuseionError, NotFound
from museion.heritage.iiif_service import gallery_links
from museion.heritage.schema_org import exhibition_jsonld, script_text
from museion.http.authz import public, requires
from museion.http.deps import ConnDep, EngineDep
from museion.http.i18n import error_text
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.studio import exhibitions
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]


@router.get("/studio/exhibitions", response_class=HTMLResponse)
def page(request: Request, _: Curator, conn: ConnDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "studio_exhibitions.html", {
        "plans": exhibitions.exhibitions(conn), "least": exhibitions.MIN_WORKS, "most": exhibitions.MAX_WORKS})


@router.post("/studio/exhibitions", response_class=RedirectResponse)
def draft(request: Request, principal: Curator, engine: EngineDep, theme: Annotated[str, Form(min_length=1, max_length=255)],
          works: Annotated[int, Form(ge=exhibitions.MIN_WORKS, le=exhibitions.MAX_WORKS)] = 12,
          title: Annotated[str, Form(max_length=255)] = "") -> Response:
    """Draft and queue; the curator lands on the draft beside its reasons."""
    try:
        with engine.begin() as conn:
            found = exhibitions.propose_exhibition(conn, theme, size=works, title=title or None, proposed_by=principal.actor)
    except MuseionError as exc:
        with engine.connect() as conn:
            return templates.TemplateResponse(request, "studio_exhibitions.html", {
                "plans": exhibitions.exhibitions(conn), "least": exhibitions.MIN_WORKS, "most": exhibitions.MAX_WORKS,
                "message": error_text(request, exc)}, status_code=422)
    return RedirectResponse(f"/queue/{found}", status_code=303)


@router.get("/gallery/{proposal_id}", response_class=HTMLResponse, dependencies=[public()])
def gallery(request: Request, conn: ConnDep, proposal_id: Annotated[int, Path(ge=1, le=2**62)]) -> HTMLResponse:
    """A published (curator-accepted) exhibition as a public gallery: no sign-in; each work's picture where the
    catalogue holds an image address, its text otherwise."""
    try:
        show = exhibitions.published(conn, proposal_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)
    base = str(request.base_url).rstrip("/")
    links = gallery_links(conn, proposal_id, show["works"], base)
    jsonld = script_text(exhibition_jsonld(show, f"{base}/gallery/{proposal_id}", links["manifests"]))
    return templates.TemplateResponse(request, "gallery.html", {"show": show, "iiif": links, "jsonld": jsonld})
