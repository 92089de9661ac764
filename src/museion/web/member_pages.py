"""Member self-service: my recommendations with reasons, personalisation on/off, my interest tags, my consents,
download my data (the privacy API's self-service export, which records a completed access request), and requests
for correction or erasure. Each page names the member in its path, so the
access gate lets a member reach their own pages only; staff with the permission reach them for a member."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from museion.api.authz import requires
from museion.api.deps import get_recommender
from museion.audience import preferences
from museion.audience.activity import member_id_for
from museion.errors import NotFound
from museion.privacy import consent, requests
from museion.privacy.models import SubjectRequest
from museion.recommend.explain import RULE_REASONS
from museion.recommend.service import NoModel, ServedItem, ServedList
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.i18n import N_, gettext_for, language_of
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
MemberKey = Annotated[str, Path(min_length=1, max_length=255)]
WEB_NOTICE = "web"  # the consent form shows each purpose's current description; its version is recorded with it

DONE = {"consent": N_("Your consent decision is recorded."), "personalisation-on": N_("Personalisation is on."),
        "personalisation-off": N_("Personalisation is off: your next list is not based on your history."),
        "tag": N_("The interest tag is deleted: works carrying it are no longer recommended to you."),
        "restored": N_("The interest tag is restored."),
        "request": N_("Your request is received. We answer by the due date shown below.")}


def reason(item: ServedItem, request: Request) -> str:
    """The item's reason in the page's language: the engine's own sentence in English, a translated one otherwise."""
    if language_of(request) == "en":
        return item.reason
    _ = gettext_for(request)
    if item.rule is not None:
        return _(RULE_REASONS.get(item.rule, item.rule))
    if item.because:
        return _("Because of works in your history: %(titles)s") % {"titles": "、".join(b["title"] for b in item.because[:2])}
    return _("Recommended for you")


def served_list(request: Request, member: str, k: int, *, preview: bool = False) -> tuple[ServedList | None, str | None, int]:
    """(list, problem message, status) for one member: 404 for an unknown member, 503 before any model is trained.
    A staff ``preview`` is not logged as served to the member."""
    try:
        return get_recommender(request).recommend(member, k, log=not preview), None, 200
    except NotFound as exc:
        return None, str(exc), 404
    except NoModel as exc:
        return None, str(exc), 503


def _back(member: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/members/{member}/privacy?done={done}", status_code=303)


@router.get("/members/{member}/recommendations", response_class=HTMLResponse,
            dependencies=[requires(Perm.MEMBER_RECOMMENDATIONS, member="member")])
def my_recommendations(request: Request, member: MemberKey, done: str = "") -> HTMLResponse:
    """The member's list, each item with its reason, labelled when it is not personalised."""
    served, message, status = served_list(request, member, 10)
    reasons = [reason(item, request) for item in served.items] if served else []
    with request.app.state.engine.connect() as conn:
        mine = preferences.controls(conn, member_id_for(conn, member)) if status != 404 else None
    return templates.TemplateResponse(request, "my_recommendations.html", {
        "member": member, "served": served, "reasons": reasons, "message": message, "controls": mine, "done": DONE.get(done)},
        status_code=status)


@router.get("/members/{member}/privacy", response_class=HTMLResponse)
def my_privacy(request: Request, member: MemberKey, principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")],
               done: str = "") -> HTMLResponse:
    """Everything a member controls, on one page."""
    with request.app.state.engine.begin() as conn:  # deriving interests records an access to personal data
        member_id = member_id_for(conn, member)
        decided = {s.purpose: s for s in consent.states(conn, member_id)}
        purposes = [(p, decided.get(p.code)) for p in consent.current_purposes(conn)]
        mine = preferences.controls(conn, member_id)
        tags = preferences.interests(conn, member_id, actor=principal.actor)
        deleted = preferences.deleted_tags(conn, member_id)
        mine_requests = list(conn.execute(select(SubjectRequest.__table__).where(SubjectRequest.member_id == member_id)
                                          .order_by(SubjectRequest.id.desc())).mappings())
    return templates.TemplateResponse(request, "my_privacy.html", {
        "member": member, "purposes": purposes, "controls": mine, "interests": tags, "deleted": deleted,
        "requests": mine_requests, "done": DONE.get(done)})


@router.post("/members/{member}/consents", response_class=RedirectResponse)
def decide_consent(request: Request, member: MemberKey, purpose: Annotated[str, Form(max_length=64)],
                   granted: Annotated[bool, Form()],
                   principal: Annotated[Principal, requires(Perm.CONSENT_WRITE, member="member")]) -> RedirectResponse:
    with request.app.state.engine.begin() as conn:
        declared = consent.current_purpose(conn, purpose)
        consent.record(conn, member_id_for(conn, member), declared, granted=granted,
                       notice_version=f"{WEB_NOTICE}-v{declared.version}", source="web", actor=principal.actor)
    return _back(member, "consent")


@router.post("/members/{member}/personalisation", response_class=RedirectResponse)
def switch_personalisation(request: Request, member: MemberKey, on: Annotated[bool, Form()],
                           principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]) -> RedirectResponse:
    with request.app.state.engine.begin() as conn:
        preferences.set_personalisation(conn, member_id_for(conn, member), on, actor=principal.actor)
    return RedirectResponse(f"/members/{member}/recommendations?done=personalisation-{'on' if on else 'off'}", status_code=303)


@router.post("/members/{member}/interests", response_class=RedirectResponse)
def change_interest(request: Request, member: MemberKey, tag: Annotated[str, Form(min_length=1, max_length=512)],
                    action: Annotated[Literal["delete", "restore"], Form()],
                    principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]) -> RedirectResponse:
    with request.app.state.engine.begin() as conn:
        change = preferences.suppress if action == "delete" else preferences.restore
        change(conn, member_id_for(conn, member), tag, actor=principal.actor)
    return _back(member, "tag" if action == "delete" else "restored")


@router.post("/members/{member}/requests", response_class=RedirectResponse)
def open_request(request: Request, member: MemberKey, kind: Annotated[Literal["rectification", "erasure"], Form()],
                 principal: Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]) -> RedirectResponse:
    """Ask for a correction or an erasure; the privacy officer verifies identity and completes it by the due date."""
    with request.app.state.engine.begin() as conn:
        requests.open_request(conn, member, kind, channel="web", actor=principal.actor)
    return _back(member, "request")
