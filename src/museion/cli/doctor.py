"""`museion doctor`: what is missing on the way from your own files to a served recommender, with the command that
fixes each step: database, works, activity, consents, a trained version, its fairness audit, review, deployment.

It only reads, through the services' own functions (audience counts through the privacy gate's aggregates), and
never creates a database: a missing one is reported with `museion init`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json
from museion.config import get_settings
from museion.errors import MuseionError
from museion.ingest.stats import store_stats
from museion.privacy import consent, gate
from museion.registry import cards, lifecycle, review
from museion.registry.disclosure import organisation
from museion.registry.policy import ReviewPolicy, load_policy
from museion.security.auth import list_accounts
from museion.security.permissions import Role

OK, MISSING, NOT_CHECKED = "ok", "missing", "not checked"
MARKS = {OK: "[green]✓[/]", MISSING: "[red]✗[/]", NOT_CHECKED: "[dim]·[/]"}
PROGRESS = {lifecycle.DEPLOYED: 0, lifecycle.APPROVED: 1, lifecycle.UNDER_REVIEW: 2, lifecycle.SUBMITTED: 3, lifecycle.DRAFT: 4}
"""How far a version has come: the doctor follows the one furthest along (the newest of equals)."""


@dataclass(frozen=True)
class Check:
    """One step on the way: its status, what was found, and the command that takes the step when it is missing."""

    name: str
    status: str
    found: str
    fix: str | None = None


def _later(*names: str, why: str) -> list[Check]:
    return [Check(name, NOT_CHECKED, why) for name in names]


def _data(conn: Connection) -> list[Check]:
    """Works, members' activity and personalisation consents."""
    stats = store_stats(conn, actor=context.CLI_ACTOR)
    granted = next((g for code, g, _withdrawn in consent.summary(conn) if code == gate.PERSONALISATION), 0)
    return [
        Check("works", OK if stats["works"] else MISSING, f"{stats['works']:,} works, {stats['creators']:,} creators",
              None if stats["works"] else "museion ingest works FILE --source NAME (creators first: museion ingest creators FILE)"),
        Check("activity", OK if stats["events"] else MISSING, f"{stats['events']:,} events of {stats['members']:,} members",
              None if stats["events"] else "museion ingest events FILE --source NAME --kind KIND (see museion ingest events --help)"),
        Check("consents", OK if granted else MISSING, f"{granted:,} members consent to personalisation",
              None if granted else "museion privacy consent import FILE (CSV: member, purpose, granted, notice_version, source)"),
    ]


def _followed(conn: Connection) -> dict[str, Any] | None:
    """The version furthest along the way to serving (deployed, approved, in review, draft), if any."""
    moving = [v for v in lifecycle.versions(conn, limit=None) if v["status"] in PROGRESS]
    return min(moving, key=lambda v: (PROGRESS[v["status"]], -v["id"]), default=None)


def _reviewers(conn: Connection, policy: ReviewPolicy) -> str | None:
    """Why the board cannot meet the policy yet (too few reviewer accounts), if it cannot."""
    n = sum(1 for a in list_accounts(conn) if a["role"] == Role.ALGORITHM_REVIEWER and a["active"])
    if n >= policy.min_approvals:
        return None
    return (f"the {policy.name!r} policy needs {policy.min_approvals} reviewers and {n} account(s) hold the algorithm_reviewer "
            "role: add them with `museion users add NAME --role algorithm_reviewer`")


def _model(conn: Connection, home: Path) -> list[Check]:
    """A trained version, its fairness audit, its review and its deployment."""
    version = _followed(conn)
    if version is None:
        found = "no version in review or serving" if lifecycle.count_versions(conn) else "no model version"
        return [Check("trained version", MISSING, found, "museion train --model ease --source NAME"),
                *_later("fairness audit", "review", "deployment", why="needs a trained version")]
    v, status = int(version["id"]), str(version["status"])
    checks = [Check("trained version", OK, f"version {v} ({version['algorithm']}, {version['n_members']:,} members × "
                                           f"{version['n_works']:,} works): {status}")]
    audit = cards.latest_fairness_audit(conn, v)
    checks.append(Check("fairness audit", OK, f"audit #{audit['id']} ({audit['scope']}, {audit['created_at'][:10]})")
                  if audit else Check("fairness audit", MISSING, f"version {v} has none", f"museion audit fairness {v}"))
    policy = load_policy(home)
    if status in (lifecycle.APPROVED, lifecycle.DEPLOYED):
        checks.append(Check("review", OK, f"version {v} approved under the {policy.name!r} policy"))
    else:
        state = review.round_status(conn, home, v, policy)
        found = f"version {v} is {status}" + (f", {state['approvals_needed']} approval(s) to go" if state["open"] else "")
        shortfall = _reviewers(conn, policy)
        checks.append(Check("review", MISSING, found + (f"; {shortfall}" if shortfall else ""),
                            lifecycle.next_step(v, status, review_open=bool(state["open"]), missing=state["missing_capacities"])))
    checks.append(_deployment(conn, home, v, status))
    return checks


def _deployment(conn: Connection, home: Path, v: int, status: str) -> Check:
    if status == lifecycle.APPROVED:
        return Check("deployment", MISSING, "nothing deployed", f"museion registry deploy {v}")
    if status != lifecycle.DEPLOYED:
        return Check("deployment", NOT_CHECKED, "needs an approved version")
    try:
        lifecycle.servable(conn, home)
    except lifecycle.NotServable as exc:
        return Check("deployment", MISSING, str(exc), f"museion registry retire {v} --reason …, then deploy a reviewed version")
    return Check("deployment", OK, f"version {v} serves: `museion serve` (web app and API), `museion recommend MEMBER`")


def diagnose(home: Path) -> tuple[dict[str, Any], list[Check]]:
    """Where the installation stands (home, database, organisation, review policy) and every check in order."""
    where = {"home": str(home), "database": make_url(get_settings().resolved_database_url).render_as_string(hide_password=True),
             "organisation": organisation(home),
             "review_policy": load_policy(home).name}
    try:
        engine: Engine = context.engine()
    except MuseionError as exc:  # missing, unreachable or behind: never created by looking
        return where, [Check("database", MISSING, str(exc), "museion init"),
                       *_later("works", "activity", "consents", "trained version", "fairness audit", "review", "deployment",
                               why="needs the database")]
    with engine.begin() as conn:  # the audience counts leave an access record, so this commits
        return where, [Check("database", OK, "at the latest schema"), *_data(conn), *_model(conn, home)]


@friendly_errors
def doctor(as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False) -> None:
    """Say what is missing on the way to a served recommender (data, consents, a trained version, its fairness audit,
    review, deployment) and the command for each. Exits 0 when all is in place, 1 otherwise."""
    where, checks = diagnose(context.home())
    ready = all(c.status == OK for c in checks)
    if as_json:
        print_json({**where, "ready": ready, "checks": [asdict(c) for c in checks]})
    else:
        console.print(f"home {where['home']} · database {where['database']} · organisation {where['organisation'] or 'not named'}"
                      f" · review policy {where['review_policy']}", highlight=False, markup=False)
        table = Table(show_header=True)
        for column in ("", "step", "found", "to do"):
            table.add_column(column, overflow="fold")
        for c in checks:
            table.add_row(MARKS[c.status], c.name, Text(c.found), Text(c.fix or ""))
        console.print(table)
        first = next((c for c in checks if c.status == MISSING), None)
        console.print("all in place: a reviewed recommender serves lists" if first is None
                      else f"Next: {first.fix}", highlight=False, markup=False)
    if not ready:
        raise typer.Exit(1)
