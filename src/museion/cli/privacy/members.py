"""`museion privacy member …`: a member's own controls, operated by staff at the member's request."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, show_rows

member_app = typer.Typer(help="A member's own controls: personalisation on/off, derived interest tags, lists shown.",
                         no_args_is_help=True)
MemberArg = Annotated[str, typer.Argument(help="Member key.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@member_app.command("personalisation")
@friendly_errors
def member_personalisation(member: MemberArg,
                           on: Annotated[bool | None, typer.Option("--on/--off", help="Switch it on or off; "
                                                                    "without either, show the setting.")] = None) -> None:
    """Show or switch MEMBER's personalisation; a change counts from their next list."""
    from museion.privacy import preferences
    from museion.privacy.gate import may_use

    with context.engine().begin() as conn:
        member_id = context.member_id(conn, member)
        if on is not None:
            preferences.set_personalisation(conn, member_id, on, actor=context.CLI_ACTOR)
        setting = preferences.controls(conn, member_id).personalise
        consented = may_use(conn, member_id, preferences.PURPOSE)
    console.print(f"{member}: personalisation {'on' if setting else 'off'}"
                  f"{'' if consented else ' (but no consent to personalisation: the feed is not personalised)'}")


@member_app.command("interests")
@friendly_errors
def member_interests(member: MemberArg, limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
                     as_json: JsonOpt = False) -> None:
    """The interest tags derived from MEMBER's history (read through the gate), strongest first."""
    from museion.privacy import preferences

    with context.engine().begin() as conn:
        found = preferences.interests(conn, context.member_id(conn, member), actor=context.CLI_ACTOR, limit=limit)
    show_rows([{"tag": i.tag, "vocabulary": i.vocabulary, "weight": i.weight} for i in found], as_json=as_json,
              title=f"interests of {member}", columns={
                  "tag": lambda r: r["tag"], "vocabulary": lambda r: r["vocabulary"],
                  "weight": lambda r: f"{r['weight']:.1%}"})


@member_app.command("delete-interest")
@friendly_errors
def member_delete_interest(member: MemberArg, tag: Annotated[str, typer.Argument(help="The tag, as listed.")]) -> None:
    """Delete an interest tag: works carrying it leave MEMBER's recommendations from the next list."""
    _change_interest(member, tag, restore=False)


@member_app.command("restore-interest")
@friendly_errors
def member_restore_interest(member: MemberArg, tag: Annotated[str, typer.Argument(help="A deleted tag.")]) -> None:
    """Undo a deletion: the tag may shape MEMBER's recommendations again."""
    _change_interest(member, tag, restore=True)


def _change_interest(member: str, tag: str, *, restore: bool) -> None:
    from museion.privacy import preferences

    change = preferences.restore if restore else preferences.suppress
    with context.engine().begin() as conn:
        change(conn, context.member_id(conn, member), tag, actor=context.CLI_ACTOR)
    console.print(f"{member}: interest {tag!r} {'restored' if restore else 'deleted'}")


@member_app.command("shown")
@friendly_errors
def member_shown(member: MemberArg, limit: Annotated[int, typer.Option(min=1, max=1000)] = 20, as_json: JsonOpt = False) -> None:
    """The lists of recommendations shown to MEMBER, newest first."""
    from museion.privacy.requests import served_lists

    with context.engine().connect() as conn:
        rows = served_lists(conn, context.member_id(conn, member), limit)
    show_rows(rows, as_json=as_json, title=f"lists shown to {member}", columns={
        "served": lambda r: str(r["served_at"])[:19],
        "model": lambda r: r["model_version"] or "-",
        "personalised": lambda r: "yes" if r["personalised"] else f"no: {r['not_personalised_because']}",
        "works": lambda r: ", ".join(w["title"] for w in r["works"]),
    })


@member_app.command("return")
@friendly_errors
def member_return(member: Annotated[str, typer.Argument(help="The erased member: SOURCE:ID as your files gave it, or the stored key.")],
                  reason: Annotated[str, typer.Option(help="Why they may come back, e.g. 'returned and consented anew on 2026-12-01'.")]) -> None:
    """Lift the erasure tombstone of MEMBER, who returned and consented anew: imports load their rows again (audited)."""
    from museion.privacy import tombstones

    with context.engine().begin() as conn:
        tombstone = tombstones.lift(conn, member, reason=reason, actor=context.CLI_ACTOR)
    console.print(f"{member}: erasure tombstone {tombstone} lifted; the next import loads their rows")
