"""`museion experiment`: controlled rollouts of a reviewed candidate beside the deployed version (start, split, stop,
decide), their live statistics and guardrails, online metrics from served traffic, offline replay, sample-size
planning, and simulated traffic for demonstrations (labelled simulated)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows

experiment_app = typer.Typer(
    help="Online evaluation and controlled rollouts. `museion experiment start VERSION` runs an approved candidate "
         "beside the deployed version on a share of members (canary or A/B), `status ROLLOUT` shows the primary "
         "metric and guardrails with always-valid intervals, `measure` recomputes them from served traffic, `simulate` "
         "runs labelled simulated traffic, `stop` and `decide` end it; a breached guardrail stops it by itself.",
    no_args_is_help=True, rich_markup_mode="markdown")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded with the step).")]
ROLLOUT_COLUMNS: dict[str, Any] = {
    "id": lambda r: r["id"], "mode": lambda r: r["mode"], "control": lambda r: r["control_version_id"],
    "candidate": lambda r: r["candidate_version_id"], "share": lambda r: f"{r['share']:.0%}", "state": lambda r: r["state"],
    "decision": lambda r: r["decision"] or "", "started": lambda r: str(r["started_at"])[:19],
    "simulated": lambda r: "yes" if r["simulated"] else ""}

VERDICT_COLUMNS: dict[str, Any] = {
    "metric": lambda v: v["metric"] + (f"/{v['grp']}" if v["grp"] else ""), "status": lambda v: v["status"],
    "deployed": lambda v: "-" if v["control_mean"] is None else f"{v['control_mean']:.4f}",
    "candidate": lambda v: "-" if v["candidate_mean"] is None else f"{v['candidate_mean']:.4f}",
    "difference [always-valid interval]": lambda v: (f"{v['curve'][-1]['difference']:+.4f} [{v['curve'][-1]['low']:+.4f}, "
                                                     f"{v['curve'][-1]['high']:+.4f}]") if v["curve"] else "-",
    "tolerance": lambda v: "" if v["tolerance"] is None else v["tolerance"]}


def _progress(fraction: float, message: str) -> None:
    console.print(f"[{fraction:4.0%}] {message}", markup=False, highlight=False)


@experiment_app.command("list")
@friendly_errors
def list_rollouts(version: Annotated[int | None, typer.Option(help="Only rollouts of this version.")] = None,
                  as_json: JsonOpt = False) -> None:
    """Rollouts, newest first."""
    from museion.experiments import rollouts

    with context.engine().connect() as conn:
        rows = rollouts.listing(conn, version)
    if not rows and not as_json:
        console.print("no rollouts (start one with `museion experiment start VERSION`)")
        return
    show_rows(rows, as_json=as_json, title="Rollouts", columns=ROLLOUT_COLUMNS)


@experiment_app.command("start")
@friendly_errors
def start(
    version: Annotated[int, typer.Argument(help="The approved candidate version.")],
    mode: Annotated[str, typer.Option(help="canary (a small share) or ab.")] = "canary",
    share: Annotated[float | None, typer.Option(help="Share of members on the candidate (canary 0.05, ab 0.5).")] = None,
    plan: Annotated[str | None, typer.Option(help='Pre-registered design as JSON, e.g. \'{"primary": "ctr", '
                                                  '"guardrails": {"exposure_gap": 0.05}}\'.')] = None,
    reason: ReasonOpt = "",
) -> None:
    """Start a rollout of an approved candidate beside the deployed version."""
    from museion.experiments import rollouts
    from museion.experiments.design import Plan, PlanRejected

    try:
        design = Plan.from_dict(json.loads(plan)) if plan else Plan()
    except (json.JSONDecodeError, TypeError) as exc:
        raise PlanRejected("plan: not a JSON object of plan fields (%(error)s)", error=str(exc)) from None
    with context.engine().begin() as conn:
        rollout_id = rollouts.start(conn, context.home(), version, actor=context.CLI_ACTOR, mode=mode, share=share,
                                    plan=design, reason=reason)
    console.print(f"rollout {rollout_id} started: version {version} serves its share of members; watch it with "
                  f"`museion experiment status {rollout_id}`")


@experiment_app.command("split")
@friendly_errors
def split(rollout: Annotated[int, typer.Argument()], share: Annotated[float, typer.Argument()], reason: ReasonOpt = "") -> None:
    """Change the candidate's share of a running rollout."""
    from museion.experiments import rollouts

    with context.engine().begin() as conn:
        rollouts.set_share(conn, rollout, share, actor=context.CLI_ACTOR, reason=reason)
    console.print(f"rollout {rollout}: the candidate now serves {share:.0%} of members")


@experiment_app.command("stop")
@friendly_errors
def stop(rollout: Annotated[int, typer.Argument()], reason: ReasonOpt = "") -> None:
    """Switch the candidate off: every member is served the deployed version."""
    from museion.experiments import rollouts

    with context.engine().begin() as conn:
        rollouts.stop(conn, rollout, actor=context.CLI_ACTOR, reason=reason)
    console.print(f"rollout {rollout} stopped")


@experiment_app.command("decide")
@friendly_errors
def decide(rollout: Annotated[int, typer.Argument()],
           decision: Annotated[str, typer.Argument(help="ship (deploy the candidate) or keep (the deployed version).")],
           reason: ReasonOpt = "") -> None:
    """Record the decision with the current statistics as its evidence (they go into the filing pack)."""
    from museion.experiments import monitor, rollouts

    with context.engine().begin() as conn:
        evidence = monitor.assess(conn, rollout)
        rollouts.decide(conn, context.home(), rollout, decision, actor=context.CLI_ACTOR, reason=reason,
                        evidence=json.loads(json.dumps(evidence, default=str)))
    console.print(f"rollout {rollout}: decided {decision}")


@experiment_app.command("status")
@friendly_errors
def status(rollout: Annotated[int, typer.Argument()], as_json: JsonOpt = False) -> None:
    """The primary metric and every guardrail: candidate − control with its always-valid interval."""
    from museion.experiments import monitor

    with context.engine().connect() as conn:
        found = monitor.assess(conn, rollout)
    if as_json:
        print_json(found)
        return
    r = found["rollout"]
    console.print(f"rollout {r['id']} ({r['mode']}, {r['share']:.0%} on version {r['candidate_version_id']} beside "
                  f"{r['control_version_id']}): {r['state']}; statistics from {found['source'] or 'nothing yet'}")
    show_rows([found["primary"], *found["guardrails"]], as_json=False, title="Verdicts (candidate − deployed)",
              columns=VERDICT_COLUMNS)


@experiment_app.command("measure")
@friendly_errors
def measure(rollout: Annotated[int, typer.Argument()], as_json: JsonOpt = False) -> None:
    """Recompute the rollout's online metrics from served traffic, then enforce its stop rules."""
    from museion.experiments.measure import measure_served

    print_json(measure_served(context.engine(), context.home(), rollout, actor=context.CLI_ACTOR,
                              progress=None if as_json else _progress))


@experiment_app.command("simulate")
@friendly_errors
def simulate(rollout: Annotated[int, typer.Argument()],
             members: Annotated[int, typer.Option(help="Simulated members (real MovieLens members' later ratings).")] = 300,
             days: Annotated[int, typer.Option(help="Simulated days.")] = 7, seed: int = 0, as_json: JsonOpt = False) -> None:
    """Run labelled simulated traffic on a running rollout; a breached guardrail stops it."""
    from museion.experiments.simulate import simulate as run

    print_json(run(context.engine(), context.home(), rollout, actor=context.CLI_ACTOR, members=members, days=days,
                   seed=seed, progress=None if as_json else _progress))


@experiment_app.command("replay")
@friendly_errors
def replay(version: Annotated[int, typer.Argument(help="Any trained recommender version.")],
           days: Annotated[int, typer.Option(help="Served lists of the last N days.")] = 30, k: int = 10) -> None:
    """Estimate a version's click-through from the deployed version's served lists (inverse propensity scoring)."""
    from museion.experiments.offline import replay_served

    print_json(replay_served(context.engine(), context.home(), version, actor=context.CLI_ACTOR, days=days, k=k,
                             progress=_progress))


@experiment_app.command("plan")
@friendly_errors
def plan(baseline: Annotated[float, typer.Option(help="The primary rate now, e.g. 0.05.")] = 0.05,
         effect: Annotated[float, typer.Option(help="The smallest absolute change worth detecting.")] = 0.01,
         alpha: float = 0.05, power: float = 0.8) -> None:
    """Members per arm for a fixed-horizon test and for the always-valid sequential test used here."""
    from dataclasses import asdict

    from museion.errors import MuseionError
    from museion.experiments.sequential import plan_sample

    try:
        print_json(asdict(plan_sample(baseline, effect, alpha=alpha, power=power)))
    except ValueError as exc:
        raise MuseionError(str(exc)) from None


@experiment_app.command("demo-candidate")
@friendly_errors
def demo_candidate(algorithm: Annotated[str, typer.Option(help="Model to train: pop, itemknn, ease, …")] = "pop") -> None:
    """Train a candidate on MovieLens ratings and approve it AUTOMATICALLY with the demo's labelled reviewer accounts
    (not deployed): something to start a demo canary with."""
    from museion.experiments.demo import reviewed_candidate

    version = reviewed_candidate(context.engine(), context.home(), algorithm=algorithm)
    console.print(f"demo: version {version} ({algorithm}) approved AUTOMATICALLY by demo reviewer accounts (not an "
                  f"independent review); start a canary with `museion experiment start {version}`")
