"""The collaboration queue in the browser: what waits for one's role, one proposal beside its evidence with accept /
edit / reject (keyboard: a, e, r, n), batches of one kind, disagreements settled by the senior role, automatic actions
undone; the task-division policy and the collaboration figures, in the page's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from sqlalchemy import Connection

from museion.collab import practice, reporting, review
from museion.collab.queue import active_policy
from museion.errors import MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep
from museion.http.i18n import N_, error_text, gettext_for, language_of
from museion.http.proposers import CAPABILITIES  # noqa: F401  (their decision handlers)
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.store.base import utcnow
from museion.web import charts
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
ProposalId = Annotated[int, Path(ge=1, le=2**62)]
Staff = Annotated[Principal, requires(Perm.STATS_READ)]
Reviewer = Annotated[Principal, requires(Perm.QUEUE_REVIEW)]
Reason = Annotated[str, Form(max_length=review.MAX_REASON)]
STATUS_WORDS = (N_("open"), N_("claimed"), N_("disputed"), N_("decided"), N_("auto"), N_("undone"))
DECISION_WORDS = (N_("accept"), N_("edit"), N_("undo"))
ROLE_WORDS = (N_("admin"), N_("privacy_officer"), N_("analyst"), N_("curator"), N_("algorithm_reviewer"))
FIELD_WORDS = (N_("subjects"), N_("text"), N_("works"), N_("neighbours"), N_("scores"), N_("reason"), N_("plan"),
               N_("source"), N_("figure"), N_("worsened_by"), N_("audits"), N_("scope"), N_("before"), N_("after"),
               N_("title"), N_("choices"), N_("candidates"), N_("sub_themes"), N_("creators"), N_("mediums"), N_("relation"),
               N_("similarity"), N_("titles"), N_("years"), N_("shared_shingles"),
               N_("names"), N_("score"), N_("dates"), N_("shared_ids"), N_("conflicting_ids"), N_("genders"),
               N_("nationalities"), N_("reasons"))
"""Payload and evidence keys the capabilities use, shown translated (an unknown key shows as itself)."""
FIGURE_LABELS = {"proposed": N_("Proposed"), "decided": N_("Decided"), "accepted": N_("Accepted as is"),
                 "edited": N_("Edited"), "rejected": N_("Rejected"), "automatic": N_("AI acted alone"),
                 "undone": N_("Undone"), "backlog": N_("Waiting"), "overdue": N_("Overdue"),
                 "acceptance_rate": N_("Acceptance rate"), "mean_edit_distance": N_("Mean edit distance"),
                 "median_hours_to_decision": N_("Median hours to decision"), "automation_share": N_("Automation share"),
                 "minutes_saved": N_("Reviewer minutes saved"), "minutes_on_rejected": N_("Reviewer minutes on rejected proposals")}


def _titles(request: Request) -> dict[str, str]:
    chinese = language_of(request).startswith("zh")
    return {k: (r.title_zh if chinese else r.title) for k, r in active_policy().kinds.items()}


def _reviewer(principal: Principal) -> review.Reviewer:
    return review.Reviewer(principal.account_id, principal.role)


def _list(request: Request, conn: Connection, principal: Principal, *, kind: str | None, status: str | None,
          message: str | None = None, status_code: int = 200) -> HTMLResponse:
    oversees = allowed(principal.role, Perm.QUEUE_ALL)
    decider = None if oversees else principal.role
    items = reporting.proposals(conn, kind=kind or None, status=status or None, decider=decider, limit=200)
    return templates.TemplateResponse(request, "queue.html", {
        "items": items, "counts": reporting.counts(conn), "titles": _titles(request), "kind": kind, "status": status,
        "statuses": reporting.STATUSES, "message": message, "can_review": allowed(principal.role, Perm.QUEUE_REVIEW),
        "oversees": oversees, "now": utcnow()}, status_code=status_code)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, principal: Staff, conn: ConnDep, kind: str | None = None,
               status: Literal["open", "claimed", "disputed", "decided", "auto", "undone", ""] | None = "open") -> HTMLResponse:
    known = active_policy().kinds
    if kind and kind not in known:  # an unknown filter value is named, not silently ignored
        _ = gettext_for(request)
        message = _("There is no proposal kind %(kind)s; the kinds are: %(kinds)s") % {
            "kind": repr(kind), "kinds": ", ".join(sorted(known))}
        return _list(request, conn, principal, kind=None, status=status, message=message, status_code=422)
    return _list(request, conn, principal, kind=kind, status=status)


@router.get("/queue/policy", response_class=HTMLResponse)
def policy_page(request: Request, _: Staff) -> HTMLResponse:
    policy = active_policy()
    return templates.TemplateResponse(request, "queue_policy.html", {
        "policy": policy, "rules": list(policy.kinds.values()), "titles": _titles(request)})


@router.get("/queue/metrics", response_class=HTMLResponse)
def metrics_page(request: Request, _: Staff, conn: ConnDep, by: Literal["kind", "team"] = "kind") -> HTMLResponse:
    found = reporting.metrics(conn, by=by)
    _ = gettext_for(request)
    titles = _titles(request)
    groups = [titles.get(f["group"], f["group"]) if by == "kind" else _(f["group"]) for f in found["figures"]]
    shown = ("accepted", "edited", "rejected", "automatic")
    chart = charts.decisions(groups, {k: [f[k] for f in found["figures"]] for k in shown},
                             {k: _(FIGURE_LABELS[k]) for k in shown}, _) if groups else None
    return templates.TemplateResponse(request, "queue_metrics.html", {
        "metrics": found, "labels": FIGURE_LABELS, "titles": titles, "by": by, "figures": [chart] if chart else []})


@router.get("/queue/guide", response_class=HTMLResponse)
def guide_page(request: Request, principal: Staff, conn: ConnDep) -> HTMLResponse:
    """What the AI does in each kind one's role decides, its known limitations, how to judge it, how feedback is used."""
    return templates.TemplateResponse(request, "queue_guide.html", {
        "kinds": practice.guide(conn, principal.role), "titles": _titles(request), "role": principal.role,
        "can_models": allowed(principal.role, Perm.MODELS_READ)})


@router.get("/queue/practice", response_class=HTMLResponse)
def practice_page(request: Request, principal: Staff, conn: ConnDep, proposal: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                  choice: Literal["accept", "edit", "reject"] | None = None) -> Response:
    """Practice on proposals experienced reviewers already decided: decide, then see what they decided and why."""
    try:
        result = practice.compare(conn, principal.role, proposal, choice) if proposal and choice else None
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)
    item = practice.practice_item(conn, principal.role)
    return templates.TemplateResponse(request, "queue_practice.html", {
        "item": item, "result": result, "titles": _titles(request),
        "fields": {k: _as_text(v) for k, v in (item or {}).get("payload", {}).items()},
        "evidence": {k: _as_text(v) for k, v in (item or {}).get("evidence", {}).items()}})


def _proposal(request: Request, conn: Connection, principal: Principal, proposal_id: int, message: str | None = None,
              status_code: int = 200) -> HTMLResponse:
    found = reporting.proposal(conn, proposal_id)
    if found["decider"] != principal.role and not allowed(principal.role, Perm.QUEUE_ALL):
        raise NotFound("proposal %(id)s does not exist", id=proposal_id)
    rule = active_policy().kinds.get(found["kind"])
    mine = next((r for r in found["reviews"] if r["account_id"] == principal.account_id), None)
    return templates.TemplateResponse(request, "proposal.html", {
        "p": found, "title": _titles(request).get(found["kind"], found["kind"]), "rule": rule, "mine": mine,
        "fields": {k: _as_text(v) for k, v in found["payload"].items()},
        "evidence": {k: _as_text(v) for k, v in found["evidence"].items()},
        "may_decide": found["decider"] == principal.role and found["status"] in ("open", "claimed") and
                      (mine is None or mine["decision"] is None),
        "may_resolve": rule is not None and found["status"] == "disputed" and principal.role == rule.resolver,
        "may_undo": rule is not None and found["status"] == "auto" and principal.role in (rule.decider, rule.resolver),
        "can_models": allowed(principal.role, Perm.MODELS_READ), "message": message}, status_code=status_code)


def _as_text(value: Any) -> str:
    """A payload or evidence field as a person reads and edits it: lists one item per line."""
    if isinstance(value, list):
        return "\n".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def _from_text(original: Any, text: str) -> Any:
    """An edited field back in the shape the proposal gave it."""
    if isinstance(original, list):
        return [line.strip() for line in text.splitlines() if line.strip()]
    if isinstance(original, str):
        return text.strip()
    try:
        return json.loads(text)
    except ValueError:
        raise MuseionError("%(field)s: not valid JSON", field=text[:40]) from None


@router.get("/queue/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, proposal_id: ProposalId, principal: Staff, conn: ConnDep) -> Response:
    try:
        return _proposal(request, conn, principal, proposal_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)


def _step(request: Request, principal: Principal, engine: EngineDep, proposal_id: int | None,
          step: Callable[[Connection], Any], done: Callable[[Any], str]) -> Response:
    """Run ``step`` in its own transaction and go on to ``done(result)``; a refusal shows the page again, saying why
    in the page's language, and changes nothing."""
    try:
        with engine.begin() as conn:
            result = step(conn)
    except MuseionError as exc:
        code = 404 if isinstance(exc, NotFound) else 409
        with engine.connect() as conn:
            if proposal_id is None:
                return _list(request, conn, principal, kind=None, status="open", message=error_text(request, exc),
                             status_code=code)
            return _proposal(request, conn, principal, proposal_id, error_text(request, exc), code)
    return RedirectResponse(done(result), status_code=303)


@router.post("/queue/claim-next", response_class=RedirectResponse)
def claim_next(request: Request, principal: Reviewer, engine: EngineDep,
               kind: Annotated[str, Form(max_length=64)] = "") -> Response:
    return _step(request, principal, engine, None, lambda conn: review.claim_next(conn, _reviewer(principal), kind or None),
                 lambda got: f"/queue/{got}" if got else "/queue?status=open&empty=1")


@router.post("/queue/batch", response_class=RedirectResponse)
def batch(request: Request, principal: Reviewer, engine: EngineDep, decision: Annotated[Literal["accept", "reject"], Form()],
          ids: Annotated[list[int], Form()], reason: Reason = "") -> Response:
    return _step(request, principal, engine, None,
                 lambda conn: review.decide_many(conn, _reviewer(principal), ids, decision, reason=reason or None),
                 lambda _: "/queue?status=open")


@router.post("/queue/{proposal_id}/decide", response_class=RedirectResponse)
async def decide(request: Request, proposal_id: ProposalId, principal: Reviewer, engine: EngineDep,
                 decision: Annotated[Literal["accept", "edit", "reject", "resolve-accept", "resolve-edit", "resolve-reject"], Form()],
                 reason: Reason = "", then_next: Annotated[bool, Form()] = False) -> Response:
    """Decide (or, as the senior role, settle) one proposal; an edit sends every field (``field.<name>``). With
    ``then_next`` the reviewer goes straight on to the next proposal of the same kind."""
    form = await request.form()
    settle, _, verdict = decision.rpartition("-")
    act = review.resolve if settle else review.decide
    reviewer = _reviewer(principal)

    def step(conn: Connection) -> int:
        found = reporting.proposal(conn, proposal_id)
        final = ({k: _from_text(v, str(form.get(f"field.{k}", ""))) for k, v in found["payload"].items()}
                 if verdict == "edit" else None)
        act(conn, reviewer, proposal_id, verdict, final=final, reason=reason or None)
        return (review.claim_next(conn, reviewer, found["kind"]) if then_next else None) or proposal_id

    return await run_in_threadpool(_step, request, principal, engine, proposal_id, step, lambda got: f"/queue/{got}")


@router.post("/queue/{proposal_id}/claim", response_class=RedirectResponse)
def claim(request: Request, proposal_id: ProposalId, principal: Reviewer, engine: EngineDep) -> Response:
    return _step(request, principal, engine, proposal_id, lambda conn: review.claim(conn, _reviewer(principal), proposal_id),
                 lambda _: f"/queue/{proposal_id}")


@router.post("/queue/{proposal_id}/release", response_class=RedirectResponse)
def release(request: Request, proposal_id: ProposalId, principal: Reviewer, engine: EngineDep) -> Response:
    return _step(request, principal, engine, proposal_id, lambda conn: review.release(conn, _reviewer(principal), proposal_id),
                 lambda _: "/queue?status=open")


@router.post("/queue/{proposal_id}/undo", response_class=RedirectResponse)
def undo(request: Request, proposal_id: ProposalId, principal: Reviewer, engine: EngineDep, reason: Reason = "") -> Response:
    return _step(request, principal, engine, proposal_id, lambda conn: review.undo(conn, _reviewer(principal), proposal_id, reason),
                 lambda _: f"/queue/{proposal_id}")
