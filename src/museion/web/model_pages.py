"""One model version in the browser: its status and evaluation, its model card in the page's language, and how people
decided the proposals it made in the collaboration queue (the figures its card quotes)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.collab.reporting import version_figures
from museion.errors import MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, HomeDep
from museion.http.i18n import error_text, language_of
from museion.jobs_kinds import QueueDep
from museion.registry import cards, lifecycle, rollouts
from museion.scale.batch import check_deployed
from museion.scale.engine import check_engine
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.queue_pages import FIGURE_LABELS
from museion.web.review_pages import headings
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
VersionId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/models/{version_id}", response_class=HTMLResponse)
def model_page(request: Request, version_id: VersionId, conn: ConnDep, home: HomeDep,
               principal: Annotated[Principal, requires(Perm.MODELS_READ)], message: str | None = None,
               status_code: int = 200) -> Response:
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
        "rollouts": rollouts.rollouts_of(conn, version_id),  # controlled rollouts it took part in (museion.experiments)
        "principal": principal, "may_score": allowed(principal.role, Perm.MODELS_DEPLOY), "message": message},
        status_code=status_code)


@router.post("/models/{version_id}/batch-scoring", response_class=RedirectResponse)
def batch_scoring(request: Request, version_id: VersionId, principal: Annotated[Principal, requires(Perm.MODELS_DEPLOY)],
                  engine: EngineDep, conn: ConnDep, home: HomeDep, queue: QueueDep,
                  compute: Annotated[Literal["local", "ray"], Form(alias="engine")] = "local",
                  fmt: Annotated[Literal["jsonl", "parquet"], Form(alias="format")] = "jsonl") -> Response:
    """Score every member with the deployed version into a file, as a job; its page links the download when done."""
    try:
        check_deployed(engine, version_id)
        check_engine(compute)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)
    except MuseionError as exc:
        return model_page(request, version_id, conn, home, principal, message=error_text(request, exc), status_code=400)
    job_id = queue.submit("batch_scoring", {"version_id": version_id, "k": 10, "partitions": 16, "engine": compute,
                                            "format": fmt}, principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
