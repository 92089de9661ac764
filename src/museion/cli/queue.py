"""`museion queue`: the one queue of AI proposals, from the terminal — list, show, claim, decide (alone or a batch of one
kind), settle disagreements, undo automatic actions, the task-division policy and the collaboration figures.

Deciding acts as a named staff account (`--as NAME`), in that account's role, exactly as on the web."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Connection

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.collab import reporting, review
from museion.collab.policy import parse
from museion.collab.queue import active_policy, policy_path
from museion.errors import MuseionError
from museion.http.proposers import CAPABILITIES  # noqa: F401  (their decision handlers)
from museion.security.auth import account_id_for, list_accounts

queue_app = typer.Typer(
    help="The collaboration queue: everything an AI proposes (subject suggestions, alerts, plans, drafts) waits here "
         "for the role the task-division policy names. Flow: `museion queue claim --as NAME`, then `museion queue "
         "decide ID accept|edit|reject --as NAME [--reason …] [--final JSON]`.",
    no_args_is_help=True, rich_markup_mode="markdown")

IdArg = Annotated[int, typer.Argument(help="The proposal id (see `museion queue list`).", min=1)]
AsOpt = Annotated[str, typer.Option("--as", help="The staff account that acts (its role must decide the kind).")]
ReasonOpt = Annotated[str | None, typer.Option(help="Why (needed to reject, settle or undo).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _reviewer(conn: Connection, name: str) -> review.Reviewer:
    account = list_accounts(conn, account_id_for(conn, name))[0]
    if not account["active"]:
        raise MuseionError("account %(name)s is disabled", name=name)
    return review.Reviewer(account["id"], account["role"])


@queue_app.command("list")
@friendly_errors
def list_(
    kind: Annotated[str | None, typer.Option(help="Only this kind (see `museion queue policy`).")] = None,
    status: Annotated[str | None, typer.Option(help="open, claimed, disputed, decided, auto or undone.")] = "open",
    role: Annotated[str | None, typer.Option(help="Only proposals this role decides.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Proposals, the waiting ones most urgent first."""
    if status is not None and status not in reporting.STATUSES:
        raise typer.BadParameter(f"--status must be one of {', '.join(reporting.STATUSES)}")
    with context.engine().connect() as conn:
        rows = reporting.proposals(conn, kind=kind, status=status, decider=role, limit=limit)
    show_rows(rows, as_json=as_json, title="AI proposals", columns={
        "id": lambda r: r["id"], "kind": lambda r: r["kind"], "about": lambda r: r["subject"], "status": lambda r: r["status"],
        "confidence": lambda r: "—" if r["confidence"] is None else f"{r['confidence']:.2f}", "risk": lambda r: r["risk"],
        "decided by": lambda r: r["decider"], "due": lambda r: f"{r['due_at']:%Y-%m-%d}"})


@queue_app.command("show")
@friendly_errors
def show(proposal: IdArg, as_json: JsonOpt = False) -> None:
    """One proposal: payload beside its evidence, and every reviewer's claim and decision."""
    with context.engine().connect() as conn:
        found = reporting.proposal(conn, proposal)
    if as_json:
        print_json(found)
        return
    console.print(f"[bold]proposal {found['id']}[/] · {found['title']} ({found['kind']}) · AI-made · {found['status']}")
    console.print(f"about {found['subject']} · decided by the {found['decider']} role · risk {found['risk']} · "
                  f"confidence {found['confidence']} · model version {found['model_version_id']}", markup=False)
    console.print("as proposed: " + json.dumps(found["payload"], ensure_ascii=False), markup=False, highlight=False)
    console.print("evidence:    " + json.dumps(found["evidence"], ensure_ascii=False), markup=False, highlight=False)
    for r in found["reviews"]:
        console.print(f"  {r['name']}: {r['decision'] or 'claimed'} {r['reason'] or ''}", markup=False)
    if found["decision"]:
        console.print(f"final: {found['decision']} by {found['decided_by']} {found['reason'] or ''}", markup=False)


@queue_app.command("claim")
@friendly_errors
def claim(actor: AsOpt, kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
          proposal: Annotated[int | None, typer.Option("--id", min=1, help="Claim this proposal rather than the next.")] = None) -> None:
    """Claim the most urgent proposal the account's role decides (or one given by --id)."""
    with context.engine().begin() as conn:
        reviewer = _reviewer(conn, actor)
        got = review.claim(conn, reviewer, proposal) if proposal else review.claim_next(conn, reviewer, kind)
    console.print(f"claimed proposal {got}; see `museion queue show {got}`" if got else "nothing is waiting for this role")


@queue_app.command("release")
@friendly_errors
def release(proposal: IdArg, actor: AsOpt) -> None:
    """Give a claimed, undecided proposal back to the queue."""
    with context.engine().begin() as conn:
        review.release(conn, _reviewer(conn, actor), proposal)
    console.print(f"proposal {proposal} is back in the queue")


def _final(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        found = json.loads(text)
    except ValueError as exc:
        raise typer.BadParameter(f"--final is not JSON: {exc}") from None
    return found


@queue_app.command("decide")
@friendly_errors
def decide(
    proposal: Annotated[str, typer.Argument(help="The proposal id, or several ids separated by commas (a batch of one kind).")],
    decision: Annotated[str, typer.Argument(help="accept, edit or reject.")],
    actor: AsOpt,
    reason: ReasonOpt = None,
    final: Annotated[str | None, typer.Option(help='The edited content as JSON (edit), e.g. \'{"subjects": ["sea"]}\'.')] = None,
) -> None:
    """Decide a proposal (or a batch of one kind) in the account's role."""
    try:
        ids = [int(p) for p in proposal.split(",") if p.strip()]
    except ValueError:
        raise typer.BadParameter(f"{proposal!r}: give proposal ids such as 12 or 12,13,14") from None
    with context.engine().begin() as conn:
        reviewer = _reviewer(conn, actor)
        if len(ids) > 1:
            done = f"{review.decide_many(conn, reviewer, ids, decision, reason=reason)} proposals decided"
        else:
            done = f"proposal {ids[0]}: {review.decide(conn, reviewer, ids[0], decision, final=_final(final), reason=reason)}"
    console.print(done)


@queue_app.command("resolve")
@friendly_errors
def resolve(proposal: IdArg, decision: Annotated[str, typer.Argument(help="accept, edit or reject.")], actor: AsOpt,
            reason: Annotated[str, typer.Option(help="Why: both reviewers read it.")],
            final: Annotated[str | None, typer.Option(help="The edited content as JSON (edit).")] = None) -> None:
    """Settle a disagreement between reviewers, as the senior role the policy names."""
    with context.engine().begin() as conn:
        review.resolve(conn, _reviewer(conn, actor), proposal, decision, final=_final(final), reason=reason)
    console.print(f"proposal {proposal}: settled ({decision})")


@queue_app.command("undo")
@friendly_errors
def undo(proposal: IdArg, actor: AsOpt, reason: Annotated[str, typer.Option(help="Why it was wrong.")]) -> None:
    """Undo an action the AI took alone; the capability reverts it."""
    with context.engine().begin() as conn:
        review.undo(conn, _reviewer(conn, actor), proposal, reason)
    console.print(f"proposal {proposal}: the automatic action was undone")


@queue_app.command("policy")
@friendly_errors
def policy(check: Annotated[Path | None, typer.Option("--check", exists=True, dir_okay=False,
                                                       help="Validate a draft policy file instead.")] = None,
           as_json: JsonOpt = False) -> None:
    """The task-division policy in force (or check a draft): who decides each kind, and when the AI may act alone."""
    found = parse(check.read_text(encoding="utf-8"), str(check)) if check else active_policy(context.home())
    if check:
        console.print(f"{check}: valid ({len(found.kinds)} kinds, sha256 {found.sha256[:16]})")
    rows = [vars(rule) for rule in found.kinds.values()]
    if not check:
        console.print(f"policy {found.version} from {policy_path(context.home())} (sha256 {found.sha256[:16]})", markup=False)
    show_rows(rows, as_json=as_json, title="task division", columns={
        "kind": lambda r: r["kind"], "decided by": lambda r: r["decider"], "reviewers": lambda r: r["reviewers"],
        "risk": lambda r: r["risk"], "AI alone": lambda r: "no" if r["auto_above"] is None else
        f"≥{r['auto_above']} after {r['auto_after']} decisions, {r['auto_precision']:.0%} accepted",
        "settled by": lambda r: r["resolver"], "days": lambda r: r["due_days"]})


@queue_app.command("metrics")
@friendly_errors
def metrics(by: Annotated[str, typer.Option(help="kind or team.")] = "kind", as_json: JsonOpt = False) -> None:
    """Collaboration figures per kind or team, and agreement between reviewers."""
    if by not in ("kind", "team"):
        raise typer.BadParameter("--by must be kind or team")
    with context.engine().connect() as conn:
        found = reporting.metrics(conn, by=by)
    if as_json:
        print_json(found)
        return
    show_rows(found["figures"], as_json=False, title=f"collaboration by {by}", columns={
        by: lambda r: r["group"], "proposed": lambda r: r["proposed"], "decided": lambda r: r["decided"],
        "accepted": lambda r: _share(r["acceptance_rate"]), "edit dist.": lambda r: _figure(r["mean_edit_distance"]),
        "AI alone": lambda r: _share(r["automation_share"]),
        "waiting": lambda r: r["backlog"], "overdue": lambda r: r["overdue"]})
    for a in found["agreement"]:
        pairs = "; ".join(f"{p['first_name']}·{p['second_name']} kappa {_figure(p['kappa'])} over {p['items']}" for p in a["pairs"])
        console.print(f"{a['kind']}: Krippendorff's alpha {_figure(a['alpha'])}; {pairs or 'no proposal had two reviewers'}",
                      markup=False)


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
