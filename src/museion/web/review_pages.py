"""The review board in the browser: versions awaiting review, each with its frozen card and the headline figures
of its fairness audit (no one approves without one), and the reviewer's decision (approve or reject, with findings)
recorded through museion.registry."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine

from museion.errors import Conflict, MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, HomeDep, TxDep
from museion.http.i18n import N_, language_of
from museion.privacy import feedback
from museion.registry import cards, lifecycle, review, texts
from museion.registry.policy import load_policy
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.feedback_pages import REASONS
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
VersionId = Annotated[int, Path(ge=1, le=2**62)]
Reviewer = Annotated[Principal, requires(Perm.MODELS_APPROVE)]
FIGURES = {"members": N_("Members audited"), "k": N_("List length"), "head_tail_exposure_gap": N_("Head–tail exposure gap"),
           "long_tail_share": N_("Long-tail share of recommendations"), "exposure_gini": N_("Exposure concentration (Gini)"),
           "popularity_lift": N_("Popularity lift"), "miscalibration_kl": N_("Miscalibration (KL divergence)")}
"""Plain names of an audit's headline figures; accuracy figures (ndcg@10, …) keep their usual names."""


def headings(lang: str) -> dict[str, str]:
    """The card's section headings in ``lang`` (the registry's own, so card and page say the same)."""
    return {key: texts.text(texts.HEADINGS, key, lang) for key in texts.HEADINGS}


@router.get("/review", response_class=HTMLResponse)
def board(request: Request, principal: Reviewer, conn: ConnDep, home: HomeDep) -> HTMLResponse:
    """Versions awaiting the board, deployed versions due for their periodic re-review, and versions members' feedback
    waits on."""
    waiting, due = review.board(conn, home), review.due(conn, home)
    voices = feedback.waiting(conn, actor=principal.actor)
    return templates.TemplateResponse(request, "review_board.html", {"waiting": waiting, "due": due, "policy": load_policy(home),
                                                                     "voices": voices})


def _version_page(request: Request, conn: Connection, home: FilePath, version_id: int, principal: Principal, message: str | None = None,
                  status_code: int = 200) -> HTMLResponse:
    lang = language_of(request)
    card = cards.card_for(conn, home, version_id)
    state = review.round_status(conn, home, version_id)
    reviews = review.reviews_of(conn, version_id)
    fairness = cards.latest_fairness_audit(conn, version_id)
    reviewed = any(r["reviewer_account_id"] == principal.account_id and r["round"] == state["round"] for r in reviews)
    voices = feedback.evidence(conn, version_id, actor=principal.actor)  # members' feedback since the last round: an access
    return templates.TemplateResponse(request, "review_version.html", {
        "version_id": version_id, "card": card, "text": card["text"][lang], "h": headings(lang), "state": state,
        "reviews": reviews, "fairness": fairness, "figures": FIGURES, "policy": load_policy(home), "message": message,
        "is_author": state["author_account_id"] == principal.account_id, "already_reviewed": reviewed, "feedback": voices,
        "flag_reasons": REASONS}, status_code=status_code)


def _refused(request: Request, engine: Engine, home: FilePath, version_id: int, principal: Principal, exc: MuseionError,
             status_code: int) -> HTMLResponse:
    """The version's page again, saying why the step was refused."""
    with engine.begin() as conn:  # reading members' feedback is recorded
        return _version_page(request, conn, home, version_id, principal, str(exc), status_code)


@router.get("/review/{version_id}", response_class=HTMLResponse)
def version(request: Request, version_id: VersionId, principal: Reviewer, conn: TxDep, home: HomeDep) -> Response:
    try:
        return _version_page(request, conn, home, version_id, principal)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)


@router.post("/review/{version_id}/start", response_class=RedirectResponse)
def start(request: Request, version_id: VersionId, principal: Reviewer, engine: EngineDep, home: HomeDep) -> Response:
    """Open a review round on a submitted version (or a re-review of the deployed one)."""
    try:
        with engine.begin() as conn:  # its own transaction, rolled back when refused
            lifecycle.start_review(conn, version_id, actor=principal.actor)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    except Conflict as exc:
        return _refused(request, engine, home, version_id, principal, exc, 409)
    return RedirectResponse(f"/review/{version_id}", status_code=303)


@router.post("/review/{version_id}/decision", response_class=RedirectResponse)
def decide(request: Request, version_id: VersionId, principal: Reviewer, engine: EngineDep, home: HomeDep,
           decision: Annotated[Literal["approve", "reject"], Form()], capacity: Annotated[str, Form(max_length=64)],
           findings: Annotated[str, Form(max_length=20_000)]) -> Response:
    """Record this reviewer's decision; the registry closes the round when the policy is decided."""
    try:
        with engine.begin() as conn:  # its own transaction, rolled back when refused
            review.record_review(conn, home, version_id, reviewer_account_id=principal.account_id,
                                 capacity=capacity, decision=decision, findings=findings, actor=principal.actor)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    except MuseionError as exc:  # out of order, the author, a second review, missing findings: the page says why
        return _refused(request, engine, home, version_id, principal, exc, 409 if isinstance(exc, Conflict) else 422)
    return RedirectResponse(f"/review/{version_id}?recorded={decision}", status_code=303)
