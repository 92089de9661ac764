"""One model version in the browser: its status and evaluation, its model card in the page's language, and how people
decided the proposals it made in the collaboration queue (the figures its card quotes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from museion.collab.reporting import version_figures
from museion.errors import MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, HomeDep
from museion.http.i18n import error_text, language_of
from museion.registry import cards, lifecycle, rollouts
from museion.security.permissions import Perm
from museion.web.queue_pages import FIGURE_LABELS
from museion.web.review_pages import headings
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/models/{version_id}", response_class=HTMLResponse, dependencies=[requires(Perm.MODELS_READ)])
def model_page(request: Request, version_id: Annotated[int, Path(ge=1, le=2**62)], conn: ConnDep, home: HomeDep) -> Response:
    lang = language_of(request)
    try:
        summary = lifecycle.version_summary(conn, version_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)
    try:
        card = cards.card_for(conn, home, version_id)
    except MuseionError:  # a version whose artifact is gone still shows its record and its proposals
        card = None
    return templates.TemplateResponse(request, "model.html", {
        "v": summary, "card": card, "t": card["text"][lang] if card else None, "h": headings(lang),
        "figures": version_figures(conn, version_id), "labels": FIGURE_LABELS,
        "rollouts": rollouts.rollouts_of(conn, version_id)})  # controlled rollouts it took part in (museion.experiments)
