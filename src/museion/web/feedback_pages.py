"""Members' voice in the browser: the "Flag" control on each item of My recommendations, and the comment form on
"How our recommendations work". A refusal (unknown reason, item never shown, comment too long, the same open flag
twice, staff acting for a member, too many posts) is a page in the member's language, and nothing is written."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.errors import Conflict
from museion.http.authz import Forbidden, RateLimited, requires, signed_in
from museion.http.deps import EngineDep
from museion.http.i18n import N_
from museion.http.member_voice import own_voice
from museion.privacy import feedback, gate
from museion.registry import disclosure
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
MemberKey = Annotated[str, Path(min_length=1, max_length=255)]
TEXT_MAX = 20_000  # a form field longer than any comment kept: the service says "too long" in the member's language

REASONS = {"not_for_me": N_("Not for me"), "offensive": N_("Offensive"), "seems_biased": N_("Seems biased"),
           "wrong_information": N_("Wrong information")}
"""The reasons a member can give, as the forms and lists show them."""

REFUSALS = {
    "unknown_reason": N_("Choose one of the reasons offered."),
    "never_shown": N_("That item was never recommended to you: you can flag only items shown in your lists."),
    "too_long": N_("The comment is too long: write at most %(limit)s characters."),
    "empty": N_("Write your comment first: it is empty."),
    "control": N_("The comment holds control characters: write plain text."),
    "already_flagged": N_("You already flagged this item for this reason; it waits for the next review."),
    "not_deployed": N_("No recommender is deployed now, so there is no algorithm to comment on."),
    "staff": N_("Only a member signed in as themselves can flag or comment; staff may not do so on a member's behalf."),
    "rate_limited": N_("You have sent many flags and comments in a short time: try again in a few minutes."),
}
"""Why a flag or comment was refused, in words the page translates (``feedback.FeedbackRefused.code`` and the rest)."""
REFUSED = (feedback.FeedbackRefused, Conflict, Forbidden, RateLimited)


def _refused(request: Request, exc: Exception, back: str, limit: int) -> HTMLResponse:
    """The refusal page: what went wrong, in the member's language, and the way back."""
    if isinstance(exc, Forbidden):
        code, status = "staff", 403
    elif isinstance(exc, RateLimited):
        code, status = "rate_limited", 429
    elif isinstance(exc, Conflict):
        code, status = getattr(exc, "code", "not_deployed"), 409
    else:
        code, status = exc.code, 400  # type: ignore[attr-defined]  (a FeedbackRefused)
    return templates.TemplateResponse(request, "feedback_refused.html", {
        "refusal": REFUSALS[code], "limit": limit, "back": back}, status_code=status)


@router.post("/members/{member}/flags", response_class=RedirectResponse)
def flag_item(request: Request, member: MemberKey, work_id: Annotated[int, Form(ge=1, le=2**62)],
              reason: Annotated[str, Form(max_length=64)],
              principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")], engine: EngineDep,
              comment: Annotated[str, Form(max_length=TEXT_MAX)] = "") -> Response:
    """Flag one item of the member's list; back to the list, which now shows the flag under "My flags"."""
    back = f"/members/{member}/recommendations"
    try:
        own_voice(request, principal)
        with engine.begin() as conn:  # its own transaction: rolled back, with nothing written, when refused
            member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
            feedback.flag(conn, member_id, work_id, reason, comment, actor=principal.actor)
    except REFUSED as exc:
        return _refused(request, exc, back, feedback.FLAG_COMMENT_MAX)
    return RedirectResponse(f"{back}?done=flag#my-flags", status_code=303)


@router.post("/about/recommendations/comments", response_class=RedirectResponse)
def comment_on_disclosure(request: Request, text: Annotated[str, Form(max_length=TEXT_MAX)],
                          principal: Annotated[Principal, signed_in()], engine: EngineDep) -> Response:
    """A member's comment about the deployed algorithm; the page then shows it counted (never its text)."""
    back = "/about/recommendations"
    try:
        member = own_voice(request, principal)
        with engine.begin() as conn:
            member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
            disclosure.comment_on_deployed(conn, member_id, text, actor=principal.actor)
    except REFUSED as exc:
        return _refused(request, exc, back, feedback.COMMENT_MAX)
    return RedirectResponse(f"{back}?done=comment#member-feedback", status_code=303)
