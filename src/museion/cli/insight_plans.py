"""`museion insight plan|plans|plan-show|plan-compare|segments|outlook`: the promotion and budget planner (an exact
MILP with fairness quotas, explained, proposed into the review queue), audience segments and the new-work outlook.
Registered on ``museion.cli.insight.insight_app``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from museion.cli import context
from museion.cli.insight import insight_app
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.insight import plans

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Slots = Annotated[int | None, typer.Option(min=1, max=10_000, help="Promotion slots: the plan holds exactly this many works.")]
Budget = Annotated[float | None, typer.Option(help="Budget: the plan's costs add up to at most this (must be positive).")]
QuotaOpt = Annotated[list[str] | None, typer.Option("--quota", help="GROUP=SHARE, e.g. creator_gender:Female=30% or "
                                                                    "emerging=0.2 or tier:tail=10% (repeatable).")]
MaxShare = Annotated[list[str] | None, typer.Option("--max-share", help="DIMENSION=SHARE: no genre (era…) takes more (repeatable).")]
MinDistinct = Annotated[list[str] | None, typer.Option("--min-distinct", help="DIMENSION=N: cover at least N genres (eras…).")]
CostOpt = Annotated[list[str] | None, typer.Option("--cost", help="WORK_KEY=AMOUNT (repeatable); others cost --default-cost.")]
Avail = Annotated[list[str] | None, typer.Option("--available", help="WORK_KEY=FROM..UNTIL (ISO dates): the work's window.")]
Window = Annotated[str | None, typer.Option(help="The plan's dates FROM..UNTIL; a listed work must be available throughout.")]
Source = Annotated[str | None, typer.Option(help="Only works of this catalogue source (movielens, tate…).")]


def _spec(name: str, slots: int | None, budget: float | None, quota: list[str] | None, max_share: list[str] | None,
          min_distinct: list[str] | None, cost: list[str] | None, default_cost: float, available: list[str] | None,
          window: str | None, source: str | None) -> plans.PlanSpec:
    span = None
    if window:
        since, _, until = window.partition("..")
        span = (since.strip(), until.strip())
    try:
        distinct = {d: int(n) for d, n in plans.pairs(min_distinct, "minimum number").items()}
        costs = {k: float(v) for k, v in plans.pairs(cost, "cost").items()}
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return plans.PlanSpec(name, slots, budget, {g: plans.share_of(s) for g, s in plans.pairs(quota, "quota").items()},
                          {d: plans.share_of(s) for d, s in plans.pairs(max_share, "maximum share").items()}, distinct,
                          costs, default_cost, plans.windows(available), span, source)


def print_plan(found: dict[str, Any]) -> None:
    table = Table(title=f"plan {found['name']!r}: {len(found['works'])} works of {found['candidates']:,} candidates "
                        f"(AI-made; {found['suppressed']} works under 5 members count 0)")
    for column in ("work", "title", "expected engagement", "cost", "groups"):
        table.add_column(column, justify="right" if column in ("expected engagement", "cost") else "left", overflow="fold")
    for w in found["works"]:
        table.add_row(w["key"], w["title"], f"{w['value']:,.1f}", f"{w['cost']:g}", ", ".join(w["groups"]))
    console.print(table)
    for template, values in found["sentences"]:
        console.print(template % values, markup=False, highlight=False)
    g = found["greedy"]
    broken = "; ".join(f"{k} missed by {v:g}" for k, v in g["violations"].items()) or "none"
    console.print(f"greedy baseline: expected engagement {g['objective']:,.1f} over {g['works']} works; violations: {broken}",
                  markup=False)


@insight_app.command("plan")
@friendly_errors
def plan(slots: Slots = None, budget: Budget = None, quota: QuotaOpt = None, max_share: MaxShare = None,
         min_distinct: MinDistinct = None, cost: CostOpt = None,
         default_cost: Annotated[float, typer.Option(min=0, help="Cost of a work not named by --cost.")] = 1.0,
         available: Avail = None, window: Window = None, source: Source = None,
         name: Annotated[str, typer.Option(help="The plan's name.")] = "plan",
         propose: Annotated[bool, typer.Option("--propose/--preview", help="Store it and queue it for two algorithm "
                                               "reviewers, or only show it.")] = True,
         as_json: AsJson = False) -> None:
    """The plan with the most expected engagement under your constraints, with what each constraint cost and the
    greedy baseline beside it; proposed into the review queue (`museion queue list --kind insight.plan`)."""
    spec = _spec(name, slots, budget, quota, max_share, min_distinct, cost, default_cost, available, window, source)
    with context.engine().begin() as conn:
        if propose:
            plan_id = plans.propose_plan(conn, context.CLI_ACTOR, spec)
            stored = plans.plan(conn, plan_id)
            found = {**stored["plan"], "plan_id": plan_id, "proposal_id": stored["proposal_id"]}
        else:
            found = plans.make_plan(conn, context.CLI_ACTOR, spec)
    if as_json:
        print_json(found)
        return
    print_plan(found)
    if propose:
        console.print(f"stored as plan {found['plan_id']} and queued as proposal {found['proposal_id']} for two algorithm "
                      "reviewers (`museion queue show ID`)")


@insight_app.command("plans")
@friendly_errors
def plans_(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50, as_json: AsJson = False) -> None:
    """Stored plans, newest first, with what people decided."""
    with context.engine().connect() as conn:
        rows = plans.plans(conn, limit=limit)
    show_rows(rows, as_json=as_json, title="promotion and budget plans", columns={
        "plan": lambda r: r["id"], "name": lambda r: r["name"], "works": lambda r: len(r["plan"]["works"]),
        "expected engagement": lambda r: f"{r['objective']:,.1f}", "status": lambda r: r["status"],
        "proposal": lambda r: r["proposal_id"], "decided by": lambda r: r["decided_by"] or "–"})


@insight_app.command("plan-show")
@friendly_errors
def plan_show(plan_id: Annotated[int, typer.Argument(min=1)], as_json: AsJson = False) -> None:
    """One stored plan with its explanation."""
    with context.engine().connect() as conn:
        found = plans.plan(conn, plan_id)
    if as_json:
        print_json(found)
        return
    print_plan(found["plan"])
    console.print(f"status: {found['status']}" + (f" by {found['decided_by']}" if found["decided_by"] else ""))


@insight_app.command("plan-compare")
@friendly_errors
def plan_compare(slots: Slots = None, budget: Budget = None, quota: QuotaOpt = None, max_share: MaxShare = None,
                 min_distinct: MinDistinct = None, cost: CostOpt = None,
                 default_cost: Annotated[float, typer.Option(min=0)] = 1.0, source: Source = None,
                 as_json: AsJson = False) -> None:
    """What-if: the plan as stated beside the same plan without each quota and without any fairness or diversity rule."""
    base = _spec("as stated", slots, budget, quota, max_share, min_distinct, cost, default_cost, None, None, source)
    variants = plans.what_if(base)
    with context.engine().begin() as conn:
        rows = plans.scenarios(conn, context.CLI_ACTOR, variants)
    show_rows(rows, as_json=as_json, title="scenarios side by side", columns={
        "scenario": lambda r: r["name"],
        "expected engagement": lambda r: "no plan" if r["objective"] is None else f"{r['objective']:,.1f}",
        "works": lambda r: r["works"], "kept from the first": lambda r: f"{r['overlap']:.0%}",
        "shares": lambda r: ", ".join(f"{g} {s:.0%}" for g, s in r["shares"].items()) or "–",
        "conflict": lambda r: "; ".join(r["conflict"]) or "–"})


@insight_app.command("segments")
@friendly_errors
def segments(source: Annotated[str | None, typer.Option(help="Only members of this source (movielens…).")] = None,
             k_max: Annotated[int, typer.Option("--k-max", min=2, max=20, help="Try 2..this many segments.")] = 8,
             as_json: AsJson = False) -> None:
    """Audience segments on taste vectors (genre mix; never demographics), the number chosen by silhouette among the
    k stable across 5 seeds (ARI ≥ 0.8); segments under 5 members merged. Aggregates only."""
    from museion.insight.segmenting import segment

    with context.engine().begin() as conn:
        found = segment(conn, context.CLI_ACTOR, ks=range(2, k_max + 1), source=source)
    if as_json:
        print_json(found)
        return
    console.print(f"{found['k']} segments of {found['members']:,} members ({found['criterion']}); mean ARI "
                  f"{found['ari']:.3f} (least {found['ari_min']:.3f}) across seeds {found['seeds']}; "
                  f"{found['merged']} small segment(s) merged", markup=False)
    show_rows(found["candidates"], as_json=False, title="number of segments: the criterion", columns={
        "k": lambda c: c["k"], "silhouette": lambda c: f"{c['silhouette']:.3f}", "mean ARI": lambda c: f"{c['ari']:.3f}",
        "least ARI": lambda c: f"{c['ari_min']:.3f}"})
    show_rows(found["profiles"], as_json=False, title="segment profiles", columns={
        "segment": lambda p: p["segment"] + 1, "members": lambda p: p["size"],
        "top genres (share, lift)": lambda p: ", ".join(f"{g} {s:.0%} ×{lift:.2f}" for g, s, lift in p["top_genres"]),
        "events (median)": lambda p: f"{p['events_median']:g}",
        "days since last (median)": lambda p: "–" if p["recency_days_median"] is None else f"{p['recency_days_median']:,.0f}",
        "top subjects": lambda p: ", ".join(s for s, _ in p["top_subjects"]) or "–"})


@insight_app.command("outlook")
@friendly_errors
def outlook(work: Annotated[str | None, typer.Option("--work", help="A catalogue work key (its metadata is used).")] = None,
            genre: Annotated[list[str] | None, typer.Option("--genre", help="A new work's genre (repeatable).")] = None,
            year: Annotated[int | None, typer.Option(help="A new work's year.")] = None,
            evaluate: Annotated[bool, typer.Option("--evaluate", help="Also the time-split evaluation against the "
                                                                       "genre-mean baseline.")] = False,
            as_json: AsJson = False) -> None:
    """First-year demand of a work from its metadata and comparable works (median of the 40 nearest earlier works)."""
    from museion.insight import outlooks

    with context.engine().begin() as conn:
        found = outlooks.outlook(conn, context.CLI_ACTOR, work_key=work, genres=genre, year=year)
        if evaluate:
            found["evaluation"] = outlooks.evaluation(conn, context.CLI_ACTOR)
    if as_json:
        print_json(found)
        return
    console.print(f"outlook for {found['title'] or 'a new work'} ({', '.join(found['genres'])}; {found['year'] or 'year ?'}): "
                  f"{found['expected']:,.1f} events in its first year (comparables' quartiles {found['low']:,.1f}–"
                  f"{found['high']:,.1f}; genre-mean baseline {found['genre_mean']:,.1f})", markup=False)
    show_rows(found["comparables"][:10], as_json=False, title="nearest comparable works", columns={
        "work": lambda c: c["key"], "title": lambda c: c["title"], "year": lambda c: c["year"] or "–",
        "genres": lambda c: ", ".join(c["genres"]),
        "first-year demand": lambda c: "<5 members" if c["first_year_demand"] is None else f"{c['first_year_demand']:g}"})
    if evaluate:
        e = found["evaluation"]
        console.print(f"time split at {e['cutoff_year']}: {e['test']:,} later works forecast from {e['train']:,}; MAE "
                      f"{e['mae']:.3f} vs genre mean {e['mae_genre_mean']:.3f} (overall median {e['mae_median']:.3f}); "
                      f"better than the genre mean on {e['better_share']:.0%} of works")
