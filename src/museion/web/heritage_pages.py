"""IIIF Presentation 3 at stable public addresses (a manifest per displayable work with an image, a collection per
published exhibition plan; any origin may read them, as IIIF viewers need) and the staff page "EDM quality"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from museion.errors import NotFound
from museion.heritage import edm_report, iiif_service
from museion.http.authz import public, requires
from museion.http.deps import HomeDep, SessionDep
from museion.http.i18n import error_text
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
IIIF_JSON = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
CORS = {"Access-Control-Allow-Origin": "*"}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _iiif(request: Request, make: object) -> Response:
    """A IIIF document with the CORS header viewers need; a clear 404 (in the page's language) otherwise."""
    try:
        body = make()  # type: ignore[operator]
    except NotFound as exc:
        return JSONResponse({"error": error_text(request, exc)}, status_code=404, headers=CORS)
    return JSONResponse(body, media_type=IIIF_JSON, headers=CORS)


@router.get("/iiif/works/{work_id}/manifest.json", dependencies=[public()])
def work_manifest(request: Request, session: SessionDep, work_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    return _iiif(request, lambda: iiif_service.work_manifest(session, work_id, _base(request)))


@router.get("/iiif/exhibitions/{plan_id}/collection.json", dependencies=[public()])
def exhibition_collection(request: Request, session: SessionDep, plan_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    return _iiif(request, lambda: iiif_service.plan_collection(session, plan_id, _base(request)))


@router.get("/heritage/edm", response_class=HTMLResponse)
def quality(request: Request, principal: Annotated[Principal, requires(Perm.CATALOG_READ)], home: HomeDep) -> HTMLResponse:
    """The latest EDM quality report: share passing the shapes and tiers by source, why works fall short, failing works."""
    try:
        report = edm_report.load(home)
    except NotFound:
        report = None
    return templates.TemplateResponse(request, "heritage_edm.html", {
        "report": report, "can_check": allowed(principal.role, Perm.STUDIO_SUGGEST)})


@router.post("/heritage/edm/check", response_class=RedirectResponse)
def start_check(request: Request, principal: Annotated[Principal, requires(Perm.STUDIO_SUGGEST)], queue: QueueDep) -> Response:
    """Start the check as a job and show its progress page (it links back here when done)."""
    job_id = queue.submit("edm_check", {"source": None, "base_url": _base(request)}, principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
