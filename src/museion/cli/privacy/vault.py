"""`museion privacy vault …`: the encrypted vault of members' direct identifiers: store them, rotate its key."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors

vault_app = typer.Typer(help="The encrypted vault of direct identifiers.", no_args_is_help=True)


@vault_app.command("put")
@friendly_errors
def vault_put(member: Annotated[str, typer.Argument(help="Member key.")],
              name: Annotated[str | None, typer.Option(help="Full name.")] = None,
              email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
              phone: Annotated[str | None, typer.Option(help="Phone number.")] = None) -> None:
    """Store a member's direct identifiers, encrypted (nothing else in Museion holds them)."""
    from museion.privacy.vault import KeyRing, put

    with context.engine().begin() as conn:
        put(conn, KeyRing.load(context.home()), context.member_id(conn, member),
            {"name": name or "", "email": email or "", "phone": phone or ""})
    console.print(f"{member}: identifiers stored in the vault")


@vault_app.command("rotate")
@friendly_errors
def vault_rotate() -> None:
    """Re-encrypt every vault entry under a new key, then retire the old keys."""
    from museion.privacy.vault import KeyRing, rotate

    ring = KeyRing.load(context.home())
    with context.engine().begin() as conn:
        n = rotate(conn, ring, actor=context.CLI_ACTOR)
    ring.retire_all_but_current()
    console.print(f"re-encrypted {n:,} vault entries under key {ring.current}; old keys retired")
