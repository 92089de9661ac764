"""The studio's subject-suggestions page for curators: the current suggester version, its precision@5 beside the
popularity floor, how well its confidence is calibrated (reliability tables), and forms to propose a round of AI-made
suggestions into the review queue or to train a new version from the decisions so far."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from museion.errors import Conflict, MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, HomeDep
from museion.http.i18n import N_, error_text
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.studio import descriptions, related, suggestions
from museion.studio.suggestions import Proposed
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Suggester = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]
EVIDENCE_LABELS = (N_("model"), N_("scores"), N_("similar_works"))  # evidence keys of a suggestion, labelled by the queue pages
CALIBRATED_ON = {"decisions": N_("people's decisions"), "held-out catalogue works": N_("held-out catalogue works"),
                 "none": N_("nothing yet (confidence as the model gives it)")}


def _state(conn: Connection) -> dict[str, Any]:
    try:
        current = suggestions.current_version(conn)
    except NotFound:
        return {"current": None, "report": None}
    return {"current": current, "report": suggestions.calibration_report(conn, current["id"])}


def _page(request: Request, conn: Connection, *, proposed: list[Proposed] | None = None, message: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "studio_suggestions.html", {
        **_state(conn), "proposed": proposed, "message": message, "calibrated_on": CALIBRATED_ON}, status_code=status_code)


def _refused(request: Request, engine: EngineDep, exc: MuseionError) -> HTMLResponse:
    with engine.connect() as conn:
        code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        return _page(request, conn, message=error_text(request, exc), status_code=code)


@router.get("/studio/suggestions", response_class=HTMLResponse)
def page(request: Request, _: Suggester, conn: ConnDep) -> HTMLResponse:
    return _page(request, conn)


@router.post("/studio/suggestions", response_class=HTMLResponse)
def propose(request: Request, principal: Suggester, engine: EngineDep, home: HomeDep,
            limit: Annotated[int, Form(ge=1, le=200)] = 20, work: Annotated[str, Form(max_length=255)] = "") -> HTMLResponse:
    """Propose a round; the page then lists what went to the queue."""
    try:
        with engine.begin() as conn:
            done = suggestions.propose_round(conn, home, keys=[work.strip()] if work.strip() else None, limit=limit,
                                             requested_by=principal.actor)
    except MuseionError as exc:
        return _refused(request, engine, exc)
    with engine.connect() as conn:
        return _page(request, conn, proposed=done)


@router.post("/studio/suggester", response_class=RedirectResponse)
def train(principal: Suggester, queue: QueueDep) -> RedirectResponse:
    """Train a new version from the catalogue and every decision so far, as a job: its page shows the progress."""
    return RedirectResponse(f"/jobs/{queue.submit('subject_training', {}, principal.actor)}", status_code=303)


@router.post("/studio/walltexts", response_class=HTMLResponse)
def draft_walltext(request: Request, principal: Suggester, engine: EngineDep, home: HomeDep,
                   key: Annotated[str, Form(min_length=1, max_length=255)]) -> Response:
    """Queue a wall-text draft for one work (the work page's button); the proposal's page then shows where a curator
    accepts, edits or rejects it."""
    try:
        with engine.begin() as conn:
            found = descriptions.propose_walltext(conn, home, key.strip(), proposed_by=principal.actor)
    except MuseionError as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)},
                                          status_code=404 if isinstance(exc, NotFound) else 422)
    return RedirectResponse(f"/queue/{found}", status_code=303)


@router.post("/studio/related", response_class=HTMLResponse)
def propose_related(request: Request, principal: Suggester, engine: EngineDep, home: HomeDep,
                    key: Annotated[str, Form(min_length=1, max_length=255)]) -> Response:
    """Queue related-work suggestions for one work (the work page's button); the queue then lists them to decide."""
    try:
        with engine.begin() as conn:
            related.propose_related(conn, home, key.strip(), proposed_by=principal.actor)
    except MuseionError as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)},
                                          status_code=404 if isinstance(exc, NotFound) else 422)
    return RedirectResponse(f"/queue?{urlencode({'kind': related.KIND})}", status_code=303)
