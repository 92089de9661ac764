"""`museion insight`: demand and catalogue series, forecasts with backtests, emerging trends and catalogue gaps.

Audience demand is read through the privacy gate (purpose analytics; cells under 5 members suppressed). The planner,
segments and outlook commands are registered on ``insight_app`` by ``museion.cli.insight_plans``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json
from museion.insight.demand import catalogue_series, demand_series, dp_demand_series
from museion.insight.forecast import MODELS
from museion.cli.engine_options import EngineOpt, RayAddressOpt
from museion.insight.forecasting import catalogue_gaps, find_trends

insight_app = typer.Typer(help="Market insight: demand series, forecasts that are backtested against seasonal naive, "
                               "emerging trends and catalogue gaps (audience data through the privacy gate, purpose "
                               "analytics).", no_args_is_help=True, rich_markup_mode="markdown")

By = Annotated[str, typer.Option(help="Group by: total, work, genre, subject, kind, creator_gender, creator_nationality, "
                                      "era, segment (members clustered on taste; demand only); catalogue measures also: "
                                      "medium.")]
Period = Annotated[str | None, typer.Option(help="day, week or month (demand, default month); year (catalogue measures, "
                                                 "the default for them).")]
Measure = Annotated[str, typer.Option(help="demand (events, through the gate), acquisitions or works (catalogue, per year).")]
Groups = Annotated[list[str] | None, typer.Option("--group", help="Only this group (repeatable).")]
Kinds = Annotated[list[str] | None, typer.Option("--kind", help="Only events of this kind (repeatable): view, rating…")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DpEpsilon = Annotated[float | None, typer.Option(min=0.001, max=10.0, help="Release demand with differential privacy: "
                                                 "spend this epsilon from the --source's budget (noisy, not suppressed).")]
Source = Annotated[str | None, typer.Option(help="One member source (with --dp-epsilon: the budget that pays).")]
MaxContributions = Annotated[int, typer.Option(min=1, max=10_000, help="With --dp-epsilon: rows counted per member.")]


def _period(period: str | None, measure: str) -> str:
    return period or ("month" if measure == "demand" else "year")


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


@insight_app.command("series")
@friendly_errors
def series(by: By = "genre", period: Period = None, measure: Measure = "demand", group: Groups = None,
           top: Annotated[int | None, typer.Option(min=1, help="Only the largest groups.")] = 10, kind: Kinds = None,
           last: Annotated[int, typer.Option(min=1, help="Periods shown in the table (JSON has all).")] = 12,
           dp_epsilon: DpEpsilon = None, source: Source = None, max_contributions: MaxContributions = 50,
           as_json: AsJson = False) -> None:
    """Counts per group and period, gaps filled with 0; '–' marks a cell suppressed because under 5 members (or
    suppressed with it, so the period's total does not give it away)."""
    engine = context.engine()
    if dp_epsilon is not None:
        found = dp_demand_series(engine, context.CLI_ACTOR, by, _period(period, measure), epsilon=dp_epsilon,
                                 source=source, groups=group, top=top, kinds=kind, max_contributions=max_contributions)
    else:
        with engine.begin() as conn:
            if measure == "demand":
                found = demand_series(conn, context.CLI_ACTOR, by, _period(period, measure), groups=group, top=top,
                                      kinds=kind, source=source)
            else:
                found = catalogue_series(conn, by, measure, groups=group, top=top)
    if as_json:
        print_json(found.as_dict())
        return
    data = found.as_dict()
    table = Table(title=f"{measure} by {by} per {found.period}"
                        + (f" ({found.suppressed} cells under {found.k} members suppressed)" if found.k else ""))
    table.add_column("group", overflow="fold")
    for label in found.periods[-last:]:
        table.add_column(label, justify="right")
    for name, row in zip(found.groups, data["values"], strict=True):
        table.add_row(name, *(_cell(v) for v in row[-last:]))
    console.print(table)
    _print_dp(found.dp)


def _print_reconciliation(found: dict[str, Any] | None) -> None:
    if not found:
        return
    table = Table(title=f"reconciliation backtest ({found['model']}, {found['origins']} origins; mean MASE per level)")
    for column in ("method", "groups", "total"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for method, levels in found["mase"].items():
        table.add_row(method + (" (chosen)" if method == found["chosen"] else ""), _cell(levels["groups"]), _cell(levels["total"]))
    console.print(table)
    console.print("kept the base forecasts: no reconciliation beat them" if found["chosen"] == "base" else
                  f"reconciled with {found['chosen']}: MASE base/reconciled " +
                  ", ".join(f"{level} {ratio:.2f}×" for level, ratio in found["improvement"].items()))
    for group, means in (found.get("forecast") or {}).items():
        console.print(f"  reconciled {group}: " + ", ".join(f"{m:,.1f}" for m in means))


def _print_dp(dp: dict[str, Any] | None) -> None:
    if dp:
        console.print(f"differentially private release from {dp['dataset']}: epsilon {dp['epsilon']:g} spent "
                      f"({dp['remaining']:g} left), discrete Laplace noise of scale {dp['scale']:.2f} per cell, each "
                      f"within ±{dp['error_bound']:.1f} with {dp['confidence']:.0%} confidence; at most "
                      f"{dp['max_contributions']} rows per member counted")


def _print_forecast(result: dict[str, Any]) -> None:
    table = Table(title=f"backtest: {result['origins']} rolling origins, horizon {result['horizon']} (MASE; lower is better)")
    for column in ("series", *result["models"], "chosen", "chosen vs SeasonalNaive"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in result["series"]:
        bt = row["backtest"] or {"mase": {}, "chosen_mase": None, "baseline_mase": None}
        table.add_row(row["group"], *(_cell(bt["mase"].get(m)) for m in result["models"]), row["chosen"],
                      f"{_cell(bt['chosen_mase'])} / {_cell(bt['baseline_mase'])}")
    console.print(table)
    for level, summary in result["levels"].items():
        share = summary["choice_beats_baseline_share"]
        console.print(f"level {level}: the per-series choice beats SeasonalNaive on "
                      f"{'–' if share is None else f'{share:.0%}'} of {summary['series']} series (median MASE "
                      f"{_cell(summary['choice_mase_median'])} vs {_cell(summary['baseline_mase_median'])})")
    future = Table(title=f"forecast ({', '.join(result['future'])}) with the chosen model, 95% interval")
    future.add_column("series")
    future.add_column("model")
    for label in result["future"]:
        future.add_column(label, justify="right")
    for row in result["series"]:
        f = row["forecast"][row["chosen"]]
        future.add_row(row["group"], row["chosen"], *(f"{m:,.1f} [{lo:,.0f}–{hi:,.0f}]" for m, lo, hi in
                                                      zip(f["mean"], f["lower"]["95"], f["upper"]["95"], strict=True)))
    console.print(future)
    if result.get("partial_left_out"):
        console.print(f"the last period, {result['partial_left_out']}, is left out: the data ends early in it")
    if result["skipped"]:
        console.print("skipped: " + "; ".join(f"{g} ({why})" for g, why in result["skipped"].items()))
    _print_dp(result.get("dp"))
    _print_reconciliation(result.get("reconciliation"))
    t = result["timings"]
    on = f" ({result['partitions']} series partitions on the {result['engine']} engine)" if "engine" in result else ""
    console.print(f"read {t['read_seconds']:.2f}s, statsforecast {t['statsforecast_seconds']:.2f}s, total {t['total_seconds']:.2f}s{on}")


@insight_app.command("forecast")
@friendly_errors
def forecast(by: By = "genre", period: Period = None, measure: Measure = "demand", group: Groups = None,
             top: Annotated[int | None, typer.Option(min=1, help="Only the largest groups.")] = 8,
             horizon: Annotated[int, typer.Option(min=1, max=520, help="Periods ahead.")] = 6,
             origins: Annotated[int, typer.Option(min=0, max=60, help="Rolling origins of the backtest (0: none).")] = 8,
             model: Annotated[list[str] | None, typer.Option("--model", help=f"Models (repeatable): {', '.join(MODELS)}.")] = None,
             kind: Kinds = None, dp_epsilon: DpEpsilon = None, source: Source = None,
             reconcile: Annotated[bool, typer.Option("--reconcile", help="Also backtest hierarchical reconciliation "
                                                     "(the groups must partition the total: kind, era, segment…).")] = False,
             engine_name: EngineOpt = "local", ray_address: RayAddressOpt = None,
             partitions: Annotated[int, typer.Option(min=1, max=65536, help="Series partitions (units of work).")] = 16,
             as_json: AsJson = False) -> None:
    """Backtest every model over rolling origins (MASE, sMAPE), choose one per series, forecast with intervals."""
    from museion.scale.engine import open_engine
    from museion.scale.forecasting import run_partitioned_forecast

    compute = open_engine(engine_name, ray_address)
    result = run_partitioned_forecast(context.engine(), context.CLI_ACTOR, compute, partitions=partitions, measure=measure,
                                      by=by, period=_period(period, measure), groups=group, top=top, horizon=horizon,
                                      origins=origins, models=model or MODELS, kinds=kind, source=source,
                                      dp_epsilon=dp_epsilon, reconcile=reconcile)
    if as_json:
        print_json(result)
    else:
        _print_forecast(result)


@insight_app.command("trends")
@friendly_errors
def trends(by: By = "genre", period: Period = None, measure: Measure = "demand",
           window: Annotated[int, typer.Option(min=1, help="Recent periods judged against the history.")] = 3,
           top: Annotated[int | None, typer.Option(min=1, help="Only the largest groups.")] = 30,
           significant: Annotated[bool, typer.Option("--significant", help="Only significant trends.")] = False,
           gaps: Annotated[bool, typer.Option("--gaps", help="Also list catalogue gaps (demand outgrowing works).")] = False,
           kind: Kinds = None, dp_epsilon: DpEpsilon = None, source: Source = None, as_json: AsJson = False) -> None:
    """Emerging trends: interval breaches, growth z-scores and tested changepoints, ranked with their evidence;
    optionally catalogue gaps."""
    engine = context.engine()
    period = _period(period, measure)
    found = find_trends(engine, context.CLI_ACTOR, measure=measure, by=by, period=period, window=window, top=top,
                        kinds=kind, only_significant=significant, source=source, dp_epsilon=dp_epsilon)
    missing = catalogue_gaps(engine, context.CLI_ACTOR, by=by, period=period, kinds=kind) if gaps and measure == "demand" else None
    if as_json:
        print_json({**found, "catalogue_gaps": missing})
        return
    table = Table(title=f"trends over {', '.join(found['recent_periods'])} against {found['model']}'s 95% interval")
    for column in ("group", "direction", "significant", "score", "growth z", "breaches", "baseline", "recent", "change",
                   "level moved", "p (change)", "shift"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for t in found["trends"]:
        change = "–" if t["change"] is None else f"{t['change']:+.0%}"
        table.add_row(t["group"], t["direction"], "yes" if t["significant"] else "no", f"{t['score']:.2f}",
                      _cell(t["z"]), str(t["breaches"]), _cell(t["baseline"]), _cell(t["recent"]), change,
                      t["changepoint_period"] or "–", "–" if t["changepoint_p"] is None else f"{t['changepoint_p']:.3f}",
                      "–" if t["shift"] is None else f"{t['shift']:+.0%}")
    console.print(table)
    if found.get("partial_left_out"):
        console.print(f"the last period, {found['partial_left_out']}, is left out: the data ends early in it")
    if missing is not None:
        gap_table = Table(title=f"catalogue gaps: share of forecast demand over {missing['horizon']} periods vs share of works")
        for column in ("group", "demand share", "works share", "ratio", "growth", "works"):
            gap_table.add_column(column, justify="left" if column == "group" else "right")
        for g in missing["gaps"]:
            gap_table.add_row(g["group"], f"{g['demand_share']:.1%}", f"{g['supply_share']:.1%}", _cell(g["ratio"]),
                              "–" if g["growth"] is None else f"{g['growth']:+.0%}", str(g["works"]))
        console.print(gap_table)
