"""The public page "How our recommendations work": the deployed version's disclosure, from its frozen card,
in the visitor's language. Open to everyone (DSA art. 27; Algorithmic Recommendation Provisions art. 16)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from museion.errors import NotFound
from museion.http.authz import GuardsDep, public, visitor
from museion.http.deps import ConnDep, HomeDep
from museion.http.i18n import language_of
from museion.registry.disclosure import public_disclosure
from museion.security.auth import SESSION
from museion.security.permissions import SELF_ONLY
from museion.web.feedback_pages import REASONS
from museion.web.review_pages import headings
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/about/recommendations", response_class=HTMLResponse, dependencies=[public()])
def how_recommendations_work(request: Request, guards: GuardsDep, conn: ConnDep, home: HomeDep, done: str = "") -> HTMLResponse:
    """The disclosure, with counts of members' flags and comments; a member signed in as themselves may comment."""
    lang = language_of(request)
    reader = visitor(request, guards, conn)
    try:
        disclosure, message = public_disclosure(conn, lang, home), None
    except NotFound as exc:
        disclosure, message = None, str(exc)
    can_comment = reader is not None and reader.role in SELF_ONLY and reader.issued_by is None
    return templates.TemplateResponse(request, "disclosure.html", {
        "d": disclosure, "message": message, "h": headings(lang), "flag_reasons": REASONS, "can_comment": can_comment,
        "commented": done == "comment"})
