"""The planner, audience segments and new-work outlook pages for analysts and managers: a constraints form → the
optimal plan (AI-made) with its explanation in words and figures and the greedy baseline beside it → proposed into the
collaboration queue, where two algorithm reviewers accept, edit or reject it; segment profiles; a work's outlook."""

from __future__ import annotations

from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine

from museion.errors import Conflict, MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep
from museion.http.i18n import N_, error_text, gettext_for
from museion.insight import plans
from museion.insight.plan_jobs import plan_params
from museion.jobs import records
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.charts import COLOURS, LAYOUT
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Analyst = Annotated[Principal, requires(Perm.STATS_READ)]
Proposer = Annotated[Principal, requires(Perm.QUEUE_PROPOSE)]
PLAN_JOB, SEGMENTS_JOB = "insight_plan", "insight_segments"
EVIDENCE_LABELS = (N_("explanation"), N_("expected_engagement"), N_("unconstrained_optimum"), N_("greedy"))  # insight.plan


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _json(figure: go.Figure) -> str:
    return figure.to_json().replace("</", "<\\/")  # safe inside <script type="application/json">


def _spec(form: dict[str, str]) -> plans.PlanSpec:
    def number(name: str, kind: type) -> Any:
        raw = form.get(name, "").strip()
        try:
            return kind(raw) if raw else None
        except ValueError:
            raise MuseionError("%(name)s must be a number, not %(raw)r", name=name, raw=raw) from None

    window = (form.get("start", "").strip(), form.get("end", "").strip())
    cap, distinct = number("max_genre_share", str), number("min_genres", int)
    return plans.PlanSpec(
        form.get("name", "").strip() or "plan", number("slots", int), number("budget", float),
        {g: plans.share_of(s) for g, s in plans.pairs(_lines(form.get("quotas", "")), "quota").items()},
        {"genre": plans.share_of(cap)} if cap else {}, {"genre": distinct} if distinct else {},
        {k: float(v) for k, v in plans.pairs(_lines(form.get("costs", "")), "cost").items()},
        number("default_cost", float) or 1.0, plans.windows(_lines(form.get("availability", ""))),
        window if all(window) else None, form.get("source", "").strip() or None)


def _figures(request: Request, found: dict[str, Any]) -> list[str]:
    _ = gettext_for(request)
    layout = {**LAYOUT, "legend": {"orientation": "h", "y": -0.3}}
    compare = go.Figure(go.Bar(x=[_("This plan"), _("Unconstrained optimum"), _("Greedy baseline")],
                               y=[found["objective"], found["unconstrained"], found["greedy"]["objective"]],
                               marker_color=[COLOURS[0], "#4d4d4d", COLOURS[1]]),
                        layout={**layout, "title": {"text": _("Expected engagement")}})
    priced = [c for c in found["costs"] if not c["name"].startswith(("slots", "budget"))]
    costs = go.Figure(layout={**layout, "barmode": "group", "title": {"text": _("What each constraint cost")}})
    costs.add_bar(x=[c["name"] for c in priced], y=[c["cost"] for c in priced], name=_("re-solved without it"),
                  marker_color=COLOURS[0])
    costs.add_bar(x=[c["name"] for c in priced], y=[c["dual"] for c in priced], name=_("LP dual (per work)"),
                  marker_color=COLOURS[1])
    return [_json(compare), _json(costs)] if priced else [_json(compare)]


def _page(request: Request, conn: Connection, *, found: dict[str, Any] | None = None, form: dict[str, str] | None = None,
          message: str | None = None, status_code: int = 200, scenarios: list[dict[str, Any]] | None = None) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    return templates.TemplateResponse(request, "insight_planner.html", {
        "may_propose": principal is not None and allowed(principal.role, Perm.QUEUE_PROPOSE),
        "plans": plans.plans(conn, limit=20), "found": found, "form": form or {}, "message": message, "scenarios": scenarios,
        "figures": _figures(request, found) if found else []}, status_code=status_code)


def _refused(request: Request, engine: EngineDep, exc: MuseionError, form: dict[str, str]) -> HTMLResponse:
    with engine.connect() as conn:
        code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        return _page(request, conn, form=form, message=error_text(request, exc), status_code=code)


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: str(v)[:200_000] for k, v in data.items() if k != "csrf_token"}


@router.get("/insight/planner", response_class=HTMLResponse)
def planner(request: Request, _: Analyst, engine: EngineDep,
            job: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> HTMLResponse:
    """The form; with ``job``, a finished plan job's plan or scenarios and the form it was started from."""
    if job is None:
        with engine.connect() as conn:
            return _page(request, conn, form={"slots": "10", "quotas": "emerging=20%", "max_genre_share": "40%"})
    try:
        done = _finished(engine, job, PLAN_JOB)
    except MuseionError as exc:
        return _refused(request, engine, exc, {})
    result, form = done["result"], done["params"].get("form") or {}
    with engine.connect() as conn:
        return _page(request, conn, found=result.get("plan"), form=form, scenarios=result.get("scenarios"))


async def _start(request: Request, principal: Principal, engine: Engine, queue: Any, action: str) -> Response:
    """Read the form, check it, and start the plan job; the job's page links back here with the result."""
    form = await _form(request)
    try:
        params = plan_params(action, [_spec(form)], form)
    except MuseionError as exc:
        return _refused(request, engine, exc, form)
    return RedirectResponse(f"/jobs/{queue.submit(PLAN_JOB, params, principal.actor)}", status_code=303)


@router.post("/insight/planner", response_class=RedirectResponse, response_model=None)
async def preview(request: Request, principal: Analyst, engine: EngineDep, queue: QueueDep) -> Response:
    """Solve and explain without storing (a job): the manager reads the plan before proposing it."""
    return await _start(request, principal, engine, queue, "preview")


@router.post("/insight/planner/propose", response_class=RedirectResponse, response_model=None)
async def propose(request: Request, principal: Proposer, engine: EngineDep, queue: QueueDep) -> Response:
    """Store the plan and queue it for two algorithm reviewers (a job); its page links to the plan."""
    return await _start(request, principal, engine, queue, "propose")


@router.post("/insight/planner/compare", response_class=RedirectResponse, response_model=None)
async def compare(request: Request, principal: Analyst, engine: EngineDep, queue: QueueDep) -> Response:
    """What-if (a job): the plan as stated beside the same plan without each quota and with slots and budget only."""
    return await _start(request, principal, engine, queue, "compare")


def _finished(engine: Engine, job_id: int, kind: str) -> dict[str, Any]:
    job = records.get(engine, job_id)
    if job["kind"] != kind or job["status"] != "succeeded":
        raise NotFound("no finished job %(id)s of this kind", id=job_id)
    return job


@router.get("/insight/planner/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, _: Analyst, conn: ConnDep, plan_id: int) -> HTMLResponse:
    stored = plans.plan(conn, plan_id)
    return templates.TemplateResponse(request, "insight_plan.html", {
        "stored": stored, "found": stored["plan"], "figures": _figures(request, stored["plan"])})


def _segment_figures(request: Request, found: dict[str, Any]) -> list[str]:
    _ = gettext_for(request)
    layout = {**LAYOUT, "legend": {"orientation": "h", "y": -0.3}}
    genres = sorted({g for p in found["profiles"] for g, _s, _l in p["top_genres"]})
    mix = go.Figure(layout={**layout, "barmode": "stack", "title": {"text": _("Genre mix of each segment (top genres)")},
                            "yaxis": {"title": {"text": _("share of engagement")}, "tickformat": ".0%"}})
    names = [_("Segment %(n)s") % {"n": p["segment"] + 1} for p in found["profiles"]]
    for g in genres:
        mix.add_bar(x=names, y=[next((s for h, s, _l in p["top_genres"] if h == g), 0.0) for p in found["profiles"]], name=g)
    ks = [c["k"] for c in found["candidates"]]
    choice = go.Figure(layout={**layout, "title": {"text": _("Choosing the number of segments")},
                               "xaxis": {"title": {"text": _("segments (k)")}, "dtick": 1}})
    choice.add_scatter(x=ks, y=[c["silhouette"] for c in found["candidates"]], name=_("silhouette"), marker_color=COLOURS[0])
    choice.add_scatter(x=ks, y=[c["ari"] for c in found["candidates"]], name=_("mean ARI across seeds"),
                       marker_color=COLOURS[1])
    return [_json(mix), _json(choice)]


@router.get("/insight/segments", response_class=HTMLResponse)
def segments_page(request: Request, _: Analyst, engine: EngineDep,
                  job: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> HTMLResponse:
    """The segments a finished job found (``job``, else the latest), and the button that starts a new one."""
    found, message, when = None, None, None
    try:
        if job is not None:
            done = _finished(engine, job, SEGMENTS_JOB)
        else:
            done = next(iter(records.listing(engine, kind=SEGMENTS_JOB, status="succeeded", limit=1)), None)
        if done is not None:
            found, when = done["result"], done.get("finished_at") or done.get("created_at")
    except MuseionError as exc:
        message = error_text(request, exc)
    return templates.TemplateResponse(request, "insight_segments.html", {
        "found": found, "figures": _segment_figures(request, found) if found else [], "message": message, "when": when},
        status_code=404 if message else 200)


@router.post("/insight/segments", response_class=RedirectResponse)
def start_segments(principal: Analyst, queue: QueueDep) -> RedirectResponse:
    """Find segments as a job; its page links back here with the profiles."""
    return RedirectResponse(f"/jobs/{queue.submit(SEGMENTS_JOB, {'k_max': 8}, principal.actor)}", status_code=303)


@router.get("/insight/outlook", response_class=HTMLResponse)
def outlook_page(request: Request, principal: Analyst, engine: EngineDep, work: str = "", genres: str = "",
                 year: str = "", evaluation: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> HTMLResponse:
    """A work's outlook; ``evaluation`` names a finished evaluation job whose figures the page shows."""
    from museion.insight import outlooks

    found, evaluated, message, figures = None, None, None, []
    wanted = [g.strip() for g in genres.replace("|", ",").split(",") if g.strip()]
    try:
        if work.strip() or wanted:
            with engine.begin() as conn:
                when = int(year) if year.strip().isdigit() else None
                found = outlooks.outlook(conn, principal.actor, work_key=work.strip() or None, genres=wanted, year=when)
        if evaluation is not None:
            job = records.get(engine, evaluation)
            if job["kind"] != "outlook_evaluation" or job["status"] != "succeeded":
                raise NotFound("no finished outlook evaluation %(id)s", id=evaluation)
            evaluated = job["result"]
    except MuseionError as exc:
        message = error_text(request, exc)
    if evaluated:
        _ = gettext_for(request)
        figure = go.Figure(go.Bar(x=[_("Outlook (comparable works)"), _("Genre-mean baseline"), _("Overall median")],
                                  y=[evaluated["mae"], evaluated["mae_genre_mean"], evaluated["mae_median"]],
                                  marker_color=[COLOURS[0], COLOURS[1], "#4d4d4d"]),
                           layout={**LAYOUT, "title": {"text": _("Mean absolute error on later works (lower is better)")}})
        figures = [_json(figure)]
    return templates.TemplateResponse(request, "insight_outlook.html", {
        "found": found, "evaluation": evaluated, "message": message, "figures": figures,
        "form": {"work": work, "genres": genres, "year": year}})


@router.post("/insight/outlook/evaluation", response_class=RedirectResponse)
def evaluate_outlook(principal: Analyst, queue: QueueDep) -> RedirectResponse:
    """Start the time-split evaluation as a job; its page links back here with the figures."""
    return RedirectResponse(f"/jobs/{queue.submit('outlook_evaluation', {'test_share': 0.2}, principal.actor)}", status_code=303)
