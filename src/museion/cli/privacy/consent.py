"""`museion privacy consent …`: the consent ledger from the command line: grant, withdraw, show, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, show_rows

consent_app = typer.Typer(help="The consent ledger: grant, withdraw, show, import.", no_args_is_help=True)

MemberArg = Annotated[str, typer.Argument(help="Member key.")]
PurposeOpt = Annotated[str, typer.Option(help="Declared purpose code (see `museion privacy purposes`).")]
NoticeOpt = Annotated[str, typer.Option(help="Version of the privacy notice the member saw.")]
SourceOpt = Annotated[str, typer.Option(help="Where the decision was made: web, app, support, import…")]
CategoryOpt = Annotated[str | None, typer.Option(help="A sensitive category of the purpose (e.g. demographics): "
                                                      "its own, separate consent.")]


def _decide(member: str, purpose: str, granted: bool, notice_version: str, source: str, category: str | None) -> None:
    from museion.privacy.consent import current_purpose, record, scoped

    with context.engine().begin() as conn:
        record(conn, context.member_id(conn, member), current_purpose(conn, purpose), granted=granted,
               notice_version=notice_version, source=source, category=category, actor=context.CLI_ACTOR)
    console.print(f"{member}: {scoped(purpose, category)} {'granted' if granted else 'withdrawn'} (effective now)")


@consent_app.command("grant")
@friendly_errors
def grant(member: MemberArg, purpose: PurposeOpt = "personalisation", notice_version: NoticeOpt = "1",
          source: SourceOpt = "support", category: CategoryOpt = None) -> None:
    """Record that MEMBER consents to PURPOSE (or, with --category, to that sensitive category under it)."""
    _decide(member, purpose, True, notice_version, source, category)


@consent_app.command("withdraw")
@friendly_errors
def withdraw(member: MemberArg, purpose: PurposeOpt = "personalisation", notice_version: NoticeOpt = "1",
             source: SourceOpt = "support", category: CategoryOpt = None) -> None:
    """Record that MEMBER withdraws consent to (or objects to) PURPOSE; it takes effect at once."""
    _decide(member, purpose, False, notice_version, source, category)


@consent_app.command("show")
@friendly_errors
def show(member: MemberArg, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """MEMBER's current decision for each purpose."""
    from museion.privacy.consent import states

    with context.engine().connect() as conn:
        current = states(conn, context.member_id(conn, member))
    rows = [{"purpose": s.purpose, "granted": s.granted, "notice_version": s.notice_version, "source": s.source,
             "recorded_at": s.recorded_at} for s in current]
    show_rows(rows, as_json=as_json, title=f"consents of {member}", columns={
        "purpose": lambda r: r["purpose"],
        "decision": lambda r: "granted" if r["granted"] else "withdrawn",
        "notice": lambda r: r["notice_version"],
        "source": lambda r: r["source"],
        "recorded": lambda r: r["recorded_at"],
    })


@consent_app.command("import")
@friendly_errors
def consent_import(file: Annotated[Path, typer.Argument(help="CSV with member, purpose, granted, notice_version, source.")]) -> None:
    """Import existing consents; every row is checked first and the import is all or nothing."""
    from museion.ingest.consents import import_consents

    with context.engine().begin() as conn:
        n = import_consents(conn, file)
    console.print(f"imported {n:,} consent decisions from {file}")
