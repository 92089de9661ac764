"""`museion registry` and `museion review`: model cards, the review board gate, deployment and disclosure.

Whoever runs these commands holds the database credentials and acts as the operator (actor ``cli``); the
people involved are named by their accounts: the author who submits (``--as``), each reviewer (``--reviewer``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.errors import MuseionError
from museion.registry import cards, disclosure, filing, lifecycle, review
from museion.registry.policy import NAMED_POLICIES, POLICY_FILE, adopt, load_policy
from museion.security.auth import account_id_for

registry_app = typer.Typer(
    help="The algorithm registry. Every trained model version has a model card and moves through "
         "draft → submitted → under_review → approved | rejected → deployed → retired. Only the deployed version "
         "serves recommendations.\n\nTypical flow: `museion train`, `museion registry card N` (read it), "
         "`museion registry edit N --limitations …`, `museion registry submit N --as AUTHOR` (runs the version's fairness "
         "audit first when it has none), then the review board (`museion review --help`), then `museion registry deploy N`. "
         "Every step prints the next one.",
    no_args_is_help=True, rich_markup_mode="markdown")
review_app = typer.Typer(
    help="The review board gate. The policy (`museion review policy`; `small` or `standard`, chosen with `museion init "
         "--policy`) names the reviewer capacities that must approve and how many independent approvals a version needs; "
         "the author never counts, one reviewer counts once, and no one approves a version without its fairness audit. "
         "Reviewers are accounts with the algorithm_reviewer role (`museion users add NAME --role algorithm_reviewer`)."
         "\n\nFlow: `museion review start N`, then each reviewer's `museion review record N --reviewer NAME --capacity C "
         "--decision approve --findings …`. `museion review due` lists deployed versions whose periodic re-review is due.",
    no_args_is_help=True, rich_markup_mode="markdown")

VersionArg = Annotated[int, typer.Argument(help="The model version id (see `museion registry list`).", min=1)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PolicyOpt = Annotated[str, typer.Option("--policy", help=f"A review policy Museion ships: {' or '.join(NAMED_POLICIES)}.")]
LangOpt = Annotated[str, typer.Option("--lang", help="en or zh-Hans.")]


# --- registry ----------------------------------------------------------------------------------

@registry_app.command("list")
@friendly_errors
def registry_list(
    status: Annotated[str | None, typer.Option(help=f"Only this status: {', '.join(lifecycle.STATUSES)}.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Model versions, newest first, with their lifecycle status and card hash."""
    with context.engine().connect() as conn:
        rows = lifecycle.versions(conn, status, limit=limit)
    show_rows(rows, as_json=as_json, title="model versions", columns={
        "id": lambda r: r["id"], "algorithm": lambda r: r["algorithm"], "status": lambda r: r["status"],
        "round": lambda r: f"{r['review_round']}{' (open)' if r['review_open'] else ''}",
        "reviewed": lambda r: f"{r['reviewed_at']:%Y-%m-%d}" if r["reviewed_at"] else "",
        "card": lambda r: (r["card_hash"] or "draft")[:12],
        "trained": lambda r: f"{r['created_at']:%Y-%m-%d %H:%M}",
    })


@registry_app.command("show")
@friendly_errors
def registry_show(version: VersionArg, as_json: JsonOpt = False) -> None:
    """One version: status, the current review round, its reviews and every transition."""
    with context.engine().connect() as conn:
        data = {**lifecycle.version_summary(conn, version), "round": review.round_status(conn, context.home(), version),
                "reviews": review.reviews_of(conn, version), "transitions": lifecycle.transitions(conn, version)}
    if as_json:
        print_json(data)
        return
    r = data["round"]
    console.print(f"model version {version} ({data['algorithm']}): [bold]{data['status']}[/]; card "
                  f"{(data['card_hash'] or 'not frozen (draft)')[:16]}")
    console.print(f"review round {r['round']}{' open' if r['open'] else ''}: {r['approvals']} approval(s), "
                  f"{r['approvals_needed']} more needed, missing capacities: {', '.join(r['missing_capacities']) or 'none'}")
    show_rows(data["reviews"], as_json=False, title="reviews", columns={
        "round": lambda x: x["round"], "reviewer": lambda x: x["reviewer_name"], "capacity": lambda x: x["capacity"],
        "decision": lambda x: x["decision"], "findings": lambda x: x["findings"]})
    show_rows(data["transitions"], as_json=False, title="transitions", columns={
        "at (UTC)": lambda x: f"{x['at']:%Y-%m-%d %H:%M:%S}", "from": lambda x: x["from_status"] or "",
        "to": lambda x: x["to_status"], "by": lambda x: x["actor"], "reason": lambda x: x["reason"]})


@registry_app.command("card")
@friendly_errors
def registry_card(
    version: VersionArg,
    lang: LangOpt = "en",
    fmt: Annotated[str, typer.Option("--format", help="markdown or json (both languages in one document).")] = "markdown",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead.")] = None,
) -> None:
    """The model card: purpose, principles, mechanism, data, parameters, evaluation and audit, limitations, contact."""
    if fmt not in ("markdown", "json"):
        raise MuseionError(f"unknown format {fmt!r}; use markdown or json")
    with context.engine().connect() as conn:
        card = cards.card_for(conn, context.home(), version)
    text = (json.dumps(card, indent=2, ensure_ascii=False, default=str) + "\n" if fmt == "json"
            else cards.render_markdown(card, lang))
    if output is None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote the card of version {version} to {output}")


@registry_app.command("edit")
@friendly_errors
def registry_edit(
    version: VersionArg,
    purpose_notes: Annotated[str | None, typer.Option(help="What this version is for, beyond the standard purpose.")] = None,
    limitations: Annotated[str | None, typer.Option(help="Known limitations, one per line (replaces the current text).")] = None,
    contact: Annotated[str | None, typer.Option(help="Who answers questions about this algorithm.")] = None,
) -> None:
    """Edit a draft's card. Once submitted a card is frozen: train a new version to change it."""
    if purpose_notes is None and limitations is None and contact is None:
        raise MuseionError("give at least one of --purpose-notes, --limitations, --contact")
    with context.engine().begin() as conn:
        cards.edit_card(conn, version, actor=context.CLI_ACTOR, purpose_notes=purpose_notes, limitations=limitations, contact=contact)
    console.print(f"card of version {version} updated (see `museion registry card {version}`)")


def next_step(version_id: int, status: str, review_open: bool = False, missing: Sequence[str] = ()) -> None:
    """Say what comes after the step just taken, as the command that takes it."""
    console.print(f"Next: {lifecycle.next_step(version_id, status, review_open=review_open, missing=missing)}", highlight=False)


@registry_app.command("submit")
@friendly_errors
def registry_submit(
    version: VersionArg,
    author: Annotated[str, typer.Option("--as", help="The author's account name: that account can never review this version.")],
) -> None:
    """Freeze the card (its sha256 is what reviewers sign off) and submit the version for review. A version is submitted
    with its fairness audit, which the card cites: when it has none, this runs one first (`museion audit fairness`)."""
    engine, home = context.engine(), context.home()
    with engine.connect() as conn:  # refused before any audit runs: a wrong --as or version changes nothing
        author_id = account_id_for(conn, author)
        lifecycle.submittable(conn, version)
        audited = cards.latest_fairness_audit(conn, version)
    if audited is None:
        from museion.fairness.service import run_version_audit

        console.print(f"version {version} has no fairness audit: running one on its evaluation split")
        audited = run_version_audit(engine, home, version, actor=context.CLI_ACTOR)
    figures = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in audited["summary"].items())
    console.print(f"fairness audit #{audited['id']} ({audited['scope']}): {figures}", highlight=False)
    with engine.begin() as conn:
        digest = lifecycle.submit(conn, home, version, author_account_id=author_id, actor=context.CLI_ACTOR,
                                  reason=f"submitted by {author}")
    console.print(f"version {version} submitted; card sha256 {digest}")
    next_step(version, lifecycle.SUBMITTED)


@registry_app.command("deploy")
@friendly_errors
def registry_deploy(
    version: VersionArg,
    reason: Annotated[str, typer.Option(help="Why it is deployed now.")] = "deployed",
) -> None:
    """Deploy an approved version; the version deployed before is retired. Running servers switch on their next request."""
    with context.engine().begin() as conn:
        previous = lifecycle.deploy(conn, context.home(), version, actor=context.CLI_ACTOR, reason=reason)
    console.print(f"version {version} deployed" + (f"; version {previous} retired" if previous else ""))
    next_step(version, lifecycle.DEPLOYED)


@registry_app.command("retire")
@friendly_errors
def registry_retire(
    version: VersionArg,
    reason: Annotated[str, typer.Option(help="Why it is retired (kept in its history).")],
) -> None:
    """Retire a deployed (or approved) version for good. With no deployed version, lists are not personalised."""
    with context.engine().begin() as conn:
        lifecycle.retire(conn, version, actor=context.CLI_ACTOR, reason=reason)
    console.print(f"version {version} retired")
    next_step(version, lifecycle.RETIRED)


@registry_app.command("filing-pack")
@friendly_errors
def registry_filing_pack(
    version: VersionArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="A new folder, or a file ending in .zip.")],
) -> None:
    """Export everything a regulator asks about one version: card (JSON + Markdown, English and Chinese), parameters,
    evaluation, fairness audit, review record, transitions and their audit entries, data categories, and a manifest
    with the sha256 of every file."""
    with context.engine().connect() as conn:
        manifest = filing.filing_pack(conn, context.home(), version, output)
    console.print(f"wrote {len(manifest['files']) + 1} files to {output} (card {manifest['card_hash'][:16]})")


@registry_app.command("disclosure")
@friendly_errors
def registry_disclosure(lang: LangOpt = "en", as_json: JsonOpt = False) -> None:
    """The public "How our recommendations work" text of the deployed version (as served at /api/disclosure)."""
    with context.engine().connect() as conn:
        data = disclosure.public_disclosure(conn, lang, context.home())
    if as_json:
        print_json(data)
    else:
        console.print(disclosure.disclosure_markdown(data), markup=False, highlight=False, soft_wrap=True)


# --- review ------------------------------------------------------------------------------------

@review_app.command("policy")
@friendly_errors
def review_policy(
    write: Annotated[bool, typer.Option("--write", help=f"Write a policy to MUSEION_HOME/{POLICY_FILE} to edit it.")] = False,
    name: PolicyOpt = "standard",
    as_json: JsonOpt = False,
) -> None:
    """The review policy in force: required capacities, approvals needed, re-review period. With --write, adopt one
    Museion ships (--policy small or standard; `museion init --policy` does the same)."""
    home = context.home()
    if write:
        with context.engine().begin() as conn:
            written = adopt(conn, home, name, actor=context.CLI_ACTOR)
        console.print(f"wrote {written}" if written else f"the {name!r} policy is already in force")
    policy = load_policy(home)
    if as_json:
        print_json(policy.as_dict())
        return
    console.print(f"policy: {policy.name} ({policy.source})")
    console.print(f"required capacities: {', '.join(policy.required_capacities) or 'none'}; "
                  f"independent approvals needed: {policy.min_approvals}; re-review every {policy.rereview_days} days")
    for code, about in policy.capacities.items():
        console.print(f"  {code}: {about}", markup=False, highlight=False)


@review_app.command("board")
@friendly_errors
def review_board(as_json: JsonOpt = False) -> None:
    """Versions waiting for the board: submitted, under review, or deployed with a re-review open."""
    with context.engine().connect() as conn:
        rows = review.board(conn, context.home())
    show_rows(rows, as_json=as_json, title="review board", columns={
        "version": lambda r: r["version_id"], "algorithm": lambda r: r["algorithm"], "status": lambda r: r["status"],
        "round": lambda r: r["round"], "approvals": lambda r: f"{r['approvals']} (+{r['approvals_needed']} needed)",
        "missing": lambda r: ", ".join(r["missing_capacities"]) or "none"})


@review_app.command("start")
@friendly_errors
def review_start(version: VersionArg) -> None:
    """Open a review round on a submitted version, or a periodic re-review of the deployed one."""
    with context.engine().begin() as conn:
        round_ = lifecycle.start_review(conn, version, actor=context.CLI_ACTOR)
        state = review.round_status(conn, context.home(), version)
    console.print(f"review round {round_} of version {version} is open: {state['approvals_needed']} approval(s) needed, "
                  f"covering {', '.join(state['missing_capacities']) or 'any capacity'}")
    next_step(version, state["status"], True, state["missing_capacities"])


@review_app.command("record")
@friendly_errors
def review_record(
    version: VersionArg,
    reviewer: Annotated[str, typer.Option(help="The reviewer's account name (role algorithm_reviewer; not the author).")],
    capacity: Annotated[str, typer.Option(help="The capacity they act in (see `museion review policy`).")],
    decision: Annotated[str, typer.Option(help="approve or reject.")],
    findings: Annotated[str | None, typer.Option(help="What was checked and found.")] = None,
    findings_file: Annotated[Path | None, typer.Option(help="Read the findings from this text file.")] = None,
) -> None:
    """Record one reviewer's findings and decision against the frozen card. The round closes itself when the policy is met
    (approved) or at the first rejection."""
    if (findings is None) == (findings_file is None):
        raise MuseionError("give the findings with exactly one of --findings TEXT or --findings-file FILE")
    text = findings if findings is not None else findings_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    with context.engine().begin() as conn:
        state = review.record_review(conn, context.home(), version, reviewer_account_id=account_id_for(conn, reviewer),
                                     capacity=capacity, decision=decision, findings=text, actor=context.CLI_ACTOR)
    console.print(f"recorded; version {version} is {state['status']}"
                  + ("" if not state["open"] else f" ({state['approvals']} approval(s), {state['approvals_needed']} more needed; "
                     f"missing capacities: {', '.join(state['missing_capacities']) or 'none'})"))
    next_step(version, state["status"], state["open"], state["missing_capacities"])


@review_app.command("due")
@friendly_errors
def review_due(as_json: JsonOpt = False) -> None:
    """Deployed versions whose periodic re-review is due (start one with `museion review start VERSION`)."""
    with context.engine().connect() as conn:
        rows = review.due(conn, context.home())
    if not rows and not as_json:
        console.print("no re-review is due")
        return
    show_rows(rows, as_json=as_json, title="re-reviews due", columns={
        "version": lambda r: r["version_id"], "algorithm": lambda r: r["algorithm"],
        "last approved": lambda r: f"{r['reviewed_at']:%Y-%m-%d}" if r["reviewed_at"] else "never",
        "due": lambda r: f"{r['due_at']:%Y-%m-%d}" if r["due_at"] else "now",
        "days overdue": lambda r: r["days_overdue"] if r["days_overdue"] is not None else "",
        "re-review open": lambda r: "yes" if r["rereview_open"] else "no"})
