"""Market insight in the browser for analysts: an overview, the forecast page (history, the chosen model's forecast
with its 80% and 95% intervals, the backtest table against seasonal naive; one series inline, a whole grouping as a
job whose saved run the page then shows) and the trends page (ranked trends with their evidence, catalogue gaps).
Pages that fit models read through the gate in a short transaction of their own, then fit with no lock held."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import plotly.graph_objects as go
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine

from museion.errors import MuseionError
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.http.i18n import N_, error_text, gettext_for
from museion.insight.forecasting import catalogue_gaps, find_trends, run_forecast
from museion.jobs import records
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.charts import COLOURS, LAYOUT
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Analyst = Annotated[Principal, requires(Perm.STATS_READ)]
By = Literal["total", "work", "genre", "subject", "kind", "creator_gender", "creator_nationality", "era", "medium", "segment"]
Period = Literal["day", "week", "month", "year"]
Measure = Literal["demand", "acquisitions", "works"]
BY_LABELS = {"total": N_("total"), "work": N_("work"), "genre": N_("genre"), "subject": N_("subject"), "kind": N_("kind"),
             "creator_gender": N_("creator gender"), "creator_nationality": N_("creator nationality"), "era": N_("era"),
             "medium": N_("medium (material)"), "segment": N_("member segment")}
PERIOD_LABELS = {"day": N_("day"), "week": N_("week"), "month": N_("month"), "year": N_("year")}
MEASURE_LABELS = {"demand": N_("audience demand (events)"), "acquisitions": N_("acquisitions per year"),
                  "works": N_("works made per year")}
HISTORY_SHOWN = 60  # periods of history drawn before the forecast
KIND = "insight_forecast"


def _json(figure: go.Figure) -> str:
    return figure.to_json().replace("</", "<\\/")  # safe inside <script type="application/json">


def forecast_chart(row: dict[str, Any], periods: list[str], future: list[str], _: Any) -> str:
    """History, the chosen model's forecast and its 80% and 95% intervals (bands), the baselines as dotted lines."""
    history = row["history"][-HISTORY_SHOWN:]
    x_hist = periods[-len(history):]
    f = row["forecast"][row["chosen"]]
    figure = go.Figure(layout={**LAYOUT, "height": 380, "title": {"text": f"{row['group']}: {_('history and forecast')}"},
                               "legend": {"orientation": "h", "y": -0.25}, "yaxis": {"rangemode": "tozero"},
                               "xaxis": {"type": "category", "categoryorder": "category ascending"}})
    for level, opacity in (("95", 0.15), ("80", 0.3)):
        figure.add_scatter(x=future + future[::-1], y=f["upper"][level] + f["lower"][level][::-1], fill="toself",
                           mode="lines", line={"width": 0}, fillcolor=f"rgba(179,89,0,{opacity})",
                           name=_("%(level)s%% interval") % {"level": level})
    figure.add_scatter(x=x_hist, y=history, mode="lines+markers", name=_("history"), line={"color": COLOURS[0]},
                       marker={"size": 3})
    figure.add_scatter(x=[x_hist[-1], *future], y=[history[-1], *f["mean"]], mode="lines+markers",
                       name=_("forecast (%(model)s)") % {"model": row["chosen"]}, line={"color": COLOURS[1], "width": 3})
    for model in ("SeasonalNaive", "Naive"):
        if model in row["forecast"] and model != row["chosen"]:
            figure.add_scatter(x=future, y=row["forecast"][model]["mean"], mode="lines", name=model,
                               line={"color": "#4d4d4d", "dash": "dot", "width": 1})
    return _json(figure)


def trend_chart(group: str, periods: list[str], values: list[float | None], trend: dict[str, Any], _: Any) -> str:
    """A trend's recent history with the forecast interval its latest periods are judged against."""
    recent = periods[-len(trend["upper"]):]
    figure = go.Figure(layout={**LAYOUT, "height": 300, "title": {"text": group},
                               "xaxis": {"type": "category", "categoryorder": "category ascending"},
                               "legend": {"orientation": "h", "y": -0.3}, "yaxis": {"rangemode": "tozero"}})
    figure.add_scatter(x=recent + recent[::-1], y=trend["upper"] + trend["lower"][::-1], fill="toself", mode="lines",
                       line={"width": 0}, fillcolor="rgba(179,89,0,0.2)", name=_("%(level)s%% interval") % {"level": 95})
    figure.add_scatter(x=recent, y=trend["expected"], mode="lines", name=_("expected"), line={"color": COLOURS[1], "dash": "dash"})
    figure.add_scatter(x=periods, y=values, mode="lines+markers", name=_("demand"), line={"color": COLOURS[0]},
                       marker={"size": 3})
    return _json(figure)


def _choices() -> dict[str, Any]:
    return {"by_labels": BY_LABELS, "period_labels": PERIOD_LABELS, "measure_labels": MEASURE_LABELS}


@router.get("/insight", response_class=HTMLResponse)
def overview(request: Request, _: Analyst, engine: EngineDep) -> HTMLResponse:
    runs = records.listing(engine, kind=KIND, status="succeeded", limit=10)
    return templates.TemplateResponse(request, "insight.html", {"runs": runs, **_choices()})


def _saved(engine: Engine, run_id: int) -> dict[str, Any]:
    job = records.get(engine, run_id)
    if job["kind"] != KIND or job["status"] != "succeeded":
        raise MuseionError("no finished forecast run %(id)s", id=run_id)
    return job["result"]


@router.get("/insight/forecast", response_class=HTMLResponse)
def forecast_page(request: Request, principal: Analyst, engine: EngineDep, by: By = "genre",
                  period: Literal["day", "week", "month", "year", ""] = "", measure: Measure = "demand",
                  group: Annotated[str, Query(max_length=300)] = "", horizon: Annotated[int, Query(ge=1, le=120)] = 6,
                  origins: Annotated[int, Query(ge=0, le=24)] = 6,
                  run: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> HTMLResponse:
    """One series inline (the named group, else the largest), or a saved run of a whole grouping (``run``)."""
    _ = gettext_for(request)
    chosen_period = period
    period = period or ("month" if measure == "demand" else "year")  # catalogue counts are yearly
    context: dict[str, Any] = {"by": by, "period": period, "chosen_period": chosen_period, "measure": measure, "group": group, "horizon": horizon,
                               "origins": origins, "run": run, "result": None, "figure": None, "error": None, **_choices()}
    try:
        if run is not None:
            result = _saved(engine, run)
        else:
            result = run_forecast(engine, principal.actor, measure=measure, by=by, period=period,
                                  groups=[group] if group else None, top=1, horizon=horizon, origins=origins,
                                  with_total=False)
        rows = result["series"]
        shown = next((r for r in rows if r["group"] == group), rows[0])
        context.update(result=result, shown=shown, figure=forecast_chart(shown, result["periods"], result["future"], _))
    except MuseionError as exc:
        context["error"] = error_text(request, exc)
    return templates.TemplateResponse(request, "insight_forecast.html", context,
                                      status_code=422 if context["error"] else 200)


@router.post("/insight/forecast", response_class=RedirectResponse)
def start_run(principal: Analyst, queue: QueueDep, by: Annotated[By, Form()] = "genre",
              period: Annotated[Period, Form()] = "month", measure: Annotated[Measure, Form()] = "demand",
              horizon: Annotated[int, Form(ge=1, le=120)] = 6, origins: Annotated[int, Form(ge=0, le=24)] = 8,
              top: Annotated[int, Form(ge=1, le=100)] = 12, reconcile: Annotated[bool, Form()] = False,
              dp_epsilon: Annotated[float | None, Form(gt=0, le=10)] = None,
              source: Annotated[str | None, Form(max_length=64, pattern=r"^[\w.-]*$")] = None) -> RedirectResponse:
    """Backtest and forecast every series of the grouping as a job; its page links the saved run when done. Optionally
    with hierarchical reconciliation backtested, or on a differentially private release charged to ``source``."""
    job_id = queue.submit(KIND, {"measure": measure, "by": by, "period": period, "horizon": horizon, "origins": origins,
                                 "top": top, "reconcile": reconcile, "dp_epsilon": dp_epsilon, "source": source or None},
                          principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _trends(engine: Engine, actor: str, by: str, period: str, window: int, _: Any) -> dict[str, Any]:
    found = find_trends(engine, actor, by=by, period=period, window=window, top=30)
    charts = [trend_chart(t["group"], found["periods"], found["history"][t["group"]], t, _) for t in found["trends"][:4]]
    missing = catalogue_gaps(engine, actor, by=by, period=period) if by not in ("total", "work", "segment") else None
    return {"found": found, "charts": charts, "gaps": missing}


@router.get("/insight/trends", response_class=HTMLResponse)
def trends_page(request: Request, principal: Analyst, engine: EngineDep, by: By = "genre", period: Period = "month",
                window: Annotated[int, Query(ge=1, le=52)] = 3) -> HTMLResponse:
    """Ranked trends with their evidence and charts of the strongest, and catalogue gaps for the grouping."""
    _ = gettext_for(request)
    context: dict[str, Any] = {"by": by, "period": period, "window": window, "error": None, "found": None, **_choices()}
    try:
        context.update(_trends(engine, principal.actor, by, period, window, _))
    except MuseionError as exc:
        context["error"] = error_text(request, exc)
    return templates.TemplateResponse(request, "insight_trends.html", context, status_code=422 if context["error"] else 200)
