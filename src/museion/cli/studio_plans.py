"""`museion studio plan`: the exhibition builder. Build a plan from a theme (a search query, a subject, or seed works),
with representation targets; swap, pin, unpin, move or rebuild it (each a saved revision); publish it through the
review queue — once two curators accept it, it opens as a public gallery (/gallery/PROPOSAL)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.studio import plans
from museion.studio.exhibition import reason_text

plan_app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode="markdown")
ACTOR = "cli"
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
TargetOpt = Annotated[list[str] | None, typer.Option("--target", help="DIMENSION=GROUP:COUNT, e.g. gender=female:6, "
                                                     "nationality=British:4, era=1900–1949:5; repeat for several.")]
OrderOpt = Annotated[str | None, typer.Option(help="chronological or similarity (a path through alike works).")]


def _print(plan: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(plan)
        return
    rev = plan["current"]
    console.print(f"plan {plan['id']} · {plan['title']} · theme ({plan['theme_by']}) {plan['theme']!r} · revision "
                  f"{rev['number']} ({rev['change']})", markup=False, highlight=False)
    show_rows(rev["works"], as_json=False, title="works in hanging order", columns={
        "key": lambda w: w["key"], "title": lambda w: w["title"], "year": lambda w: w["year"] or "",
        "pinned": lambda w: "yes" if w["pinned"] else "", "why": lambda w: "; ".join(map(reason_text, w["reasons"]))})
    for t in rev["summary"]["targets"]:
        state = "met" if t["got"] >= t["wanted"] else "NOT met"
        console.print(f"target {t['dimension']}={t['group']}: {t['got']} of {t['wanted']} ({state})", markup=False)
    if plan["proposal_id"]:
        console.print(f"published as proposal {plan['proposal_id']} (see `museion queue show {plan['proposal_id']}`)")


@plan_app.command("build")
@friendly_errors
def build(
    theme: Annotated[str, typer.Argument(help="A search query, a subject, or comma-separated seed work keys (see --by).")],
    by: Annotated[str, typer.Option(help="query, subject or seeds.")] = "query",
    works: Annotated[int, typer.Option("--works", min=3, max=60, help="How many works.")] = 20,
    title: Annotated[str | None, typer.Option(help="Working title (default: the theme).")] = None,
    target: TargetOpt = None, order: OrderOpt = "chronological", as_json: JsonOpt = False,
) -> None:
    """Build and save an exhibition plan; every work comes with why it was chosen."""
    with context.engine().begin() as conn:
        found = plans.create(conn, context.home(), theme, actor=ACTOR, by=by, size=works, title=title,
                             targets=plans.parse_targets(target or []), order=order or "chronological")
        _print(plans.show(conn, found), as_json)


@plan_app.command("list")
@friendly_errors
def list_(as_json: JsonOpt = False) -> None:
    """Every exhibition plan, newest first."""
    with context.engine().connect() as conn:
        rows = plans.plans(conn)
    show_rows(rows, as_json=as_json, title="exhibition plans", columns={
        "id": lambda r: r["id"], "title": lambda r: r["title"], "theme": lambda r: f"{r['theme_by']}: {r['theme']}",
        "revisions": lambda r: r["revisions"], "proposal": lambda r: r["proposal_id"] or ""})


@plan_app.command("show")
@friendly_errors
def show(plan_id: Annotated[int, typer.Argument(min=1)], as_json: JsonOpt = False) -> None:
    """A plan's current works, reasons and targets (--json adds every revision)."""
    with context.engine().connect() as conn:
        _print(plans.show(conn, plan_id), as_json)


@plan_app.command("change")
@friendly_errors
def change(
    plan_id: Annotated[int, typer.Argument(min=1)],
    op: Annotated[str, typer.Argument(help="swap, pin, unpin or move.")],
    key: Annotated[str, typer.Argument(help="The work in the plan, e.g. tate:N01234.")],
    other: Annotated[str | None, typer.Option(help="swap: the work to hang instead.")] = None,
    position: Annotated[int | None, typer.Option(min=1, help="move: the new place, from 1.")] = None,
) -> None:
    """Change a plan by hand; the change is a new revision."""
    with context.engine().begin() as conn:
        number = plans.revise(conn, plan_id, actor=ACTOR, op=op, key=key, other=other, position=position)
    console.print(f"plan {plan_id}: revision {number} saved")


@plan_app.command("rebuild")
@friendly_errors
def rebuild(plan_id: Annotated[int, typer.Argument(min=1)], works: Annotated[int | None, typer.Option(min=3, max=60)] = None,
            target: TargetOpt = None, order: OrderOpt = None) -> None:
    """Build the plan again around its pinned works (new size, targets or order)."""
    with context.engine().begin() as conn:
        number = plans.rebuild(conn, context.home(), plan_id, actor=ACTOR, size=works,
                               targets=plans.parse_targets(target) if target else None, order=order)
    console.print(f"plan {plan_id}: revision {number} saved")


@plan_app.command("publish")
@friendly_errors
def publish(plan_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Send the plan's current revision to two curators; accepted, it opens as a public gallery."""
    with context.engine().begin() as conn:
        found = plans.publish(conn, plan_id, actor=ACTOR)
    console.print(f"plan {plan_id} queued as proposal {found}; once accepted it opens at /gallery/{found}")
