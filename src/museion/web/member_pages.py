"""Member self-service: my recommendations with reasons, personalisation on/off, my interest tags, my consents,
download my data (the privacy API's self-service export, which records a completed access request), and requests
for correction or erasure. Each page names the member in its path, so the
access gate lets a member reach their own pages only; staff with the permission reach them for a member."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape

from museion.errors import NotFound
from museion.http.authz import requires
from museion.http.deps import EngineDep, ServedModel, ServedModelDep, SettingsDep, TxDep, record_staff_read
from museion.http.i18n import N_, gettext_for, language_of
from museion.http.templating import as_data
from museion.privacy import consent, experiment_choice, feedback, gate, preferences, requests
from museion.recommend.explain import RULE_REASONS
from museion.recommend.serving import ServedItem, ServedList
from museion.registry.lifecycle import NoModel
from museion.security.auth import Principal
from museion.security.permissions import SELF_ONLY, Perm, allowed
from museion.web.feedback_pages import REASONS
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
MemberKey = Annotated[str, Path(min_length=1, max_length=255)]
MemberSelf = Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]
WEB_NOTICE = "web"  # the consent form shows each purpose's current description; its version is recorded with it

DONE = {"consent": N_("Your consent decision is recorded."), "personalisation-on": N_("Personalisation is on."),
        "personalisation-off": N_("Personalisation is off: your next list is not based on your history."),
        "tag": N_("The interest tag is deleted: works carrying it are no longer recommended to you."),
        "restored": N_("The interest tag is restored."),
        "request": N_("Your request is received. We answer by the due date shown below."),
        "flag": N_("Thank you: your flag is recorded. The review board sees it at the next review of this version."),
        "experiments-out": N_("You are out of experiments: you are always served the deployed version."),
        "experiments-in": N_("You may take part in experiments again.")}


def reason(item: ServedItem, request: Request) -> str:
    """The item's reason in the page's language: the engine's own sentence in English, a translated one otherwise."""
    if language_of(request) == "en":
        return item.reason
    _ = gettext_for(request)
    if item.rule is not None:
        return _(RULE_REASONS.get(item.rule, item.rule))
    if item.because:
        titles = Markup("、").join(as_data(b["title"]) for b in item.because[:2])
        return Markup(escape(_("Because of works in your history: %(titles)s"))) % {"titles": titles}
    return _("Recommended for you")


def served_list(model: ServedModel, member: str, k: int, *, actor: str,
                preview: bool = False) -> tuple[ServedList | None, str | None, int]:
    """(list, problem message, status) for one member: 404 for an unknown member, 503 before any model is trained.
    A staff ``preview`` is recorded as a staff read, never as a list shown to the member."""
    try:
        return model.recommend(member, k, actor=actor, log=not preview), None, 200
    except NotFound as exc:
        return None, str(exc), 404
    except NoModel as exc:
        return None, str(exc), 503


def viewer(principal: Principal) -> dict[str, bool]:
    """Whether staff are looking at a member's page (staff wording, and only the actions their role may take)."""
    return {"staff": principal.role not in SELF_ONLY, "may_change": allowed(principal.role, Perm.MEMBER_DATA),
            "may_decide_consent": allowed(principal.role, Perm.CONSENT_WRITE)}


def _back(member: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/members/{member}/privacy?done={done}", status_code=303)


@router.get("/members/{member}/recommendations", response_class=HTMLResponse)
def my_recommendations(request: Request, member: MemberKey,
                       principal: Annotated[Principal, requires(Perm.MEMBER_RECOMMENDATIONS, member="member")],
                       model: ServedModelDep, engine: EngineDep, done: str = "") -> HTMLResponse:
    """The member's list, each item with its reason, labelled when it is not personalised."""
    served, message, status = served_list(model, member, 10, actor=principal.actor, preview=principal.role not in SELF_ONLY)
    reasons = [reason(item, request) for item in served.items] if served else []
    mine, flags = None, []
    if status != 404:
        with engine.connect() as conn:  # only once the recommender gave its connection back: one at a time per request
            member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
            mine, flags = preferences.controls(conn, member_id), feedback.flags_of(conn, member_id)
        record_staff_read(engine, principal, member_id, "feedback")
    return templates.TemplateResponse(request, "my_recommendations.html", {
        "member": member, "served": served, "reasons": reasons, "message": message, "controls": mine, "done": DONE.get(done),
        "just_switched": done.startswith("personalisation-"),
        "flags": flags, "flag_reasons": REASONS, "flaggable": principal.role in SELF_ONLY and principal.issued_by is None,
        **viewer(principal)}, status_code=status)


@router.get("/members/{member}/privacy", response_class=HTMLResponse)
def my_privacy(request: Request, member: MemberKey, principal: MemberSelf, conn: TxDep, done: str = "") -> HTMLResponse:
    """Everything a member controls, on one page (a transaction: deriving interests records an access to personal data)."""
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    for shown in ("consents", "personalisation", "feedback"):
        record_staff_read(conn.engine, principal, member_id, shown)
    decided = {s.purpose: s for s in consent.states(conn, member_id)}
    purposes = [(p, decided.get(p.code)) for p in consent.current_purposes(conn)]
    mine = preferences.controls(conn, member_id)
    tags = preferences.interests(conn, member_id, actor=principal.actor)
    deleted = preferences.deleted_tags(conn, member_id)
    mine_requests = requests.list_requests(conn, member_id=member_id)
    return templates.TemplateResponse(request, "my_privacy.html", {
        "member": member, "purposes": purposes, "controls": mine, "interests": tags, "deleted": deleted,
        "requests": mine_requests, "done": DONE.get(done), "flags": feedback.flags_of(conn, member_id),
        "comments": feedback.comments_of(conn, member_id), "flag_reasons": REASONS,
        "experiments_opted_out": experiment_choice.opted_out(conn, member_id), **viewer(principal)})


@router.post("/members/{member}/consents", response_class=RedirectResponse)
def decide_consent(member: MemberKey, purpose: Annotated[str, Form(max_length=64)], granted: Annotated[bool, Form()],
                   principal: Annotated[Principal, requires(Perm.CONSENT_WRITE, member="member")], conn: TxDep) -> RedirectResponse:
    declared = consent.current_purpose(conn, purpose)
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    consent.record(conn, member_id, declared, granted=granted, notice_version=f"{WEB_NOTICE}-v{declared.version}", source="web",
                   actor=principal.actor)
    return _back(member, "consent")


@router.post("/members/{member}/personalisation", response_class=RedirectResponse)
def switch_personalisation(member: MemberKey, on: Annotated[bool, Form()], principal: MemberSelf, conn: TxDep) -> RedirectResponse:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    preferences.set_personalisation(conn, member_id, on, actor=principal.actor)
    return RedirectResponse(f"/members/{member}/recommendations?done=personalisation-{'on' if on else 'off'}", status_code=303)


@router.post("/members/{member}/interests", response_class=RedirectResponse)
def change_interest(member: MemberKey, tag: Annotated[str, Form(min_length=1, max_length=512)],
                    action: Annotated[Literal["delete", "restore"], Form()], principal: MemberSelf, conn: TxDep) -> RedirectResponse:
    change = preferences.suppress if action == "delete" else preferences.restore
    change(conn, gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor), tag, actor=principal.actor)
    return _back(member, "tag" if action == "delete" else "restored")


@router.post("/members/{member}/requests", response_class=RedirectResponse)
def open_request(member: MemberKey, kind: Annotated[Literal["rectification", "erasure"], Form()], principal: MemberSelf,
                 settings: SettingsDep, conn: TxDep) -> RedirectResponse:
    """Ask for a correction or an erasure; the privacy officer verifies identity and completes it by the due date."""
    requests.open_request(conn, member, kind, channel=principal.channel("web"), due_days=settings.request_due_days, actor=principal.actor)
    return _back(member, "request")
