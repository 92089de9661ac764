"""`museion users`, `museion tokens` and `museion audit`: accounts, credentials and the audit chain.

Whoever runs these commands holds the database credentials, so they act as the operator (actor ``cli``);
every change they make is still appended to the audit chain.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from museion import audit
from museion.audit import witness
from museion.cli import context
from museion.cli.fairness import audit_fairness
from museion.cli.output import console, err_console, friendly_errors, print_json, show_rows
from museion.errors import MuseionError
from museion.security.auth import (
    DEFAULT_TOKEN_DAYS,
    account_id_for,
    create_account,
    issue_member_token,
    issue_token,
    list_accounts,
    list_tokens,
    revoke_token,
    update_account,
)
from museion.security.permissions import Role

users_app = typer.Typer(help="Staff accounts and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: shown once, stored as argon2 hashes, with expiry and revocation.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit chain: verify it, read it, checkpoint it.", no_args_is_help=True)
audit_app.command("fairness")(audit_fairness)
RoleOpt = Annotated[str, typer.Option(help=f"One of: {', '.join(r.value for r in Role if r is not Role.MEMBER)}.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _staff_role(role: str) -> str:
    if role not in {r.value for r in Role} or role == Role.MEMBER:
        raise MuseionError(f"unknown role {role!r}; use one of {', '.join(r.value for r in Role if r is not Role.MEMBER)} "
                           "(member tokens: `museion tokens create --member KEY`)")
    return role


def _ask_password() -> str:
    return typer.prompt("password (12 characters or more)", hide_input=True, confirmation_prompt=True)


def _show_token(token: str, expires_at: datetime) -> None:
    console.print("[bold]This token is shown once and cannot be recovered; store it now:[/]")
    console.print(token, markup=False, highlight=False, soft_wrap=True)
    console.print(f"It expires on {expires_at:%Y-%m-%d}. Send it as `Authorization: Bearer <token>` or paste it on /login.")


# --- users -------------------------------------------------------------------------------------

@users_app.command("add")
@friendly_errors
def users_add(
    name: Annotated[str, typer.Argument(help="Login name: lowercase letters, digits, '.', '_' or '-'.")],
    role: RoleOpt,
    password: Annotated[bool, typer.Option("--password", help="Set a password for the web sign-in (asked for, hidden).")] = False,
) -> None:
    """Create a staff account. Without --password it signs in with tokens only."""
    secret = _ask_password() if password else None
    with context.engine().begin() as conn:
        account_id = create_account(conn, name, _staff_role(role), actor=context.CLI_ACTOR, password=secret)
    console.print(f"account {name} (id {account_id}) created with role {role}")


@users_app.command("list")
@friendly_errors
def users_list(as_json: JsonOpt = False) -> None:
    """Every account with its role and whether it may sign in."""
    with context.engine().connect() as conn:
        rows = list_accounts(conn)
    show_rows(rows, as_json=as_json, title="accounts", columns={
        "id": lambda r: r["id"],
        "name": lambda r: r["name"],
        "role": lambda r: r["role"],
        "active": lambda r: "yes" if r["active"] else "no",
        "password": lambda r: "yes" if r["has_password"] else "no",
    })


@users_app.command("set")
@friendly_errors
def users_set(
    name: Annotated[str, typer.Argument(help="The account's name.")],
    role: Annotated[str | None, typer.Option(help="A new role.")] = None,
    active: Annotated[bool | None, typer.Option("--enable/--disable", help="Allow or stop signing in (ends its sessions).")] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a new password (asked for, hidden).")] = False,
) -> None:
    """Change an account's role, password, or whether it may sign in."""
    secret = _ask_password() if password else None
    with context.engine().begin() as conn:
        update_account(conn, account_id_for(conn, name), actor=context.CLI_ACTOR, role=_staff_role(role) if role else None,
                       active=active, password=secret)
    console.print(f"account {name} updated")


# --- tokens ------------------------------------------------------------------------------------

@tokens_app.command("create")
@friendly_errors
def tokens_create(
    user: Annotated[str | None, typer.Option(help="The staff account the token acts as.")] = None,
    member: Annotated[str | None, typer.Option(help="A member key: the token reads that member's own data only.")] = None,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    days: Annotated[int, typer.Option(min=1, max=365, help="Days until it expires.")] = DEFAULT_TOKEN_DAYS,
) -> None:
    """Create an API token for a staff account (--user), or one that acts for a member (--member): audited as
    issued by the operator, and any request made with it is recorded as made on the member's behalf."""
    if (user is None) == (member is None):
        raise MuseionError("name exactly one of --user NAME or --member KEY")
    with context.engine().begin() as conn:
        issued = (issue_token(conn, account_id_for(conn, user), actor=context.CLI_ACTOR, label=label, days=days) if user
                  else issue_member_token(conn, str(member), actor=context.CLI_ACTOR, label=label, days=days))
    _show_token(issued.token, issued.expires_at)


@tokens_app.command("list")
@friendly_errors
def tokens_list(user: Annotated[str | None, typer.Option(help="Only this account's tokens.")] = None, as_json: JsonOpt = False) -> None:
    """API tokens (ids, labels, expiry, revocation), never their secrets."""
    with context.engine().connect() as conn:
        rows = list_tokens(conn, account_id_for(conn, user) if user else None)
    show_rows(rows, as_json=as_json, title="API tokens", columns={
        "id": lambda r: r["id"],
        "account": lambda r: r["account_id"],
        "label": lambda r: r["label"],
        "expires": lambda r: f"{r['expires_at']:%Y-%m-%d}",
        "revoked": lambda r: f"{r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "",
    })


@tokens_app.command("revoke")
@friendly_errors
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The token's id (see `museion tokens list`).")]) -> None:
    """Revoke a token at once."""
    with context.engine().begin() as conn:
        revoke_token(conn, token_id, actor=context.CLI_ACTOR)
    console.print(f"token {token_id} revoked")


# --- audit -------------------------------------------------------------------------------------

@audit_app.command("verify")
@friendly_errors
def audit_verify(as_json: JsonOpt = False) -> None:
    """Check every entry's hash and link, the signed checkpoints, the head and the witness (the signed head kept
    outside the database, MUSEION_AUDIT_WITNESS); name the first bad entry."""
    with context.engine().connect() as conn:
        report = audit.verify(conn)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        console.print(f"audit chain intact: {report.entries:,} entries, {report.checkpoints:,} signed checkpoints "
                      f"({report.seconds:.2f} s)")
        if report.witness_seq is not None:
            console.print(f"the witness vouches for entry {report.witness_seq:,} ({report.witness_path})", markup=False)
        elif report.entries:
            err_console.print(f"warning: no witness for this database in {witness.witness_dir()}: deletion of the newest "
                              "entries after the last checkpoint cannot be ruled out", markup=False)
    else:
        err_console.print(f"[bold red]audit chain broken: first bad entry is {report.first_bad}[/]")
        for problem in report.problems:
            err_console.print(f"  - entry {problem.seq} ({problem.kind}): {problem.message}", markup=False, highlight=False)
        err_console.print(f"{report.entries:,} entries before it verified")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("log")
@friendly_errors
def audit_log(
    actor: Annotated[str | None, typer.Option(help="e.g. account:1 or cli.")] = None,
    action: Annotated[str | None, typer.Option(help="An action, or a prefix ending in '.' (e.g. token.).")] = None,
    target: Annotated[str | None, typer.Option(help="e.g. account:3.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Entries at or after this time (UTC unless given).")] = None,
    after_seq: Annotated[int, typer.Option(min=0, help="Entries after this sequence number.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many entries.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Read the audit chain, oldest first."""
    f = audit.AuditFilter(actor=actor, action=action, target=target, since=since, after_seq=after_seq)
    with context.engine().connect() as conn:
        rows = audit.entries(conn, f, limit)
    show_rows(rows, as_json=as_json, title="audit log", columns={
        "seq": lambda r: r["seq"],
        "at (UTC)": lambda r: f"{r['at']:%Y-%m-%d %H:%M:%S}",
        "actor": lambda r: r["actor"],
        "action": lambda r: r["action"],
        "target": lambda r: r["target"],
        "details": lambda r: json.dumps(r["details"], sort_keys=True) if r["details"] else "",
    })


@audit_app.command("checkpoint")
@friendly_errors
def audit_checkpoint() -> None:
    """Sign the chain's current head now (one is also signed automatically every 1,000 entries)."""
    with context.engine().begin() as conn:
        seq = audit.checkpoint(conn)
    console.print(f"signed checkpoint at entry {seq}" if seq else "the audit chain is empty: nothing to sign")

