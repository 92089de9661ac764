"""`museion privacy request …`: data-subject requests: open, verify identity, complete or refuse, list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, show_rows
from museion.config import get_settings
from museion.errors import MuseionError

request_app = typer.Typer(help="Data-subject requests: open, verify identity, complete or refuse.", no_args_is_help=True)
RequestId = Annotated[int, typer.Argument(help="Request number.")]
LISTED = ("id", "member_ref", "kind", "status", "channel", "received_at", "due_at", "verified_at", "verified_by",
          "verification", "closed_at", "refusal_reason", "outcome")
"""What `request list` shows of a request: its record, never the member's id or key."""


@request_app.command("open")
@friendly_errors
def request_open(member: Annotated[str, typer.Argument(help="Member key.")],
                 kind: Annotated[str, typer.Option(help="access, rectification, erasure, restriction or withdrawal.")],
                 channel: Annotated[str, typer.Option(help="How it arrived: web, e-mail, letter…")] = "support") -> None:
    """Open a request; it is due in MUSEION_REQUEST_DUE_DAYS (default 15) days."""
    from museion.privacy.requests import open_request

    with context.engine().begin() as conn:
        request_id = open_request(conn, member, kind, channel=channel, due_days=get_settings().request_due_days,
                                  actor=context.CLI_ACTOR)
    console.print(f"request {request_id} ({kind}) opened; verify the requester's identity next")


@request_app.command("verify")
@friendly_errors
def request_verify(request_id: RequestId, how: Annotated[str, typer.Option(help="How identity was checked.")],
                   by: Annotated[str, typer.Option(help="Who checked it.")] = "privacy-officer") -> None:
    """Record the identity check that must precede any disclosure or change."""
    from museion.privacy.requests import verify

    with context.engine().begin() as conn:
        verify(conn, request_id, by=by, how=how, actor=context.CLI_ACTOR)
    console.print(f"request {request_id} verified")


@request_app.command("refuse")
@friendly_errors
def request_refuse(request_id: RequestId, reason: Annotated[str, typer.Option(help="Why (kept and told to the requester).")]) -> None:
    """Refuse a request, with its reason."""
    from museion.privacy.requests import refuse

    with context.engine().begin() as conn:
        refuse(conn, request_id, reason=reason, actor=context.CLI_ACTOR)
    console.print(f"request {request_id} refused")


@request_app.command("complete")
@friendly_errors
def request_complete(
    request_id: RequestId,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Access requests: where to write the copy (JSON).")] = None,
    set_field: Annotated[list[str], typer.Option("--set", help="Rectification: FIELD=VALUE (age, gender, occupation, "
                                                                 "name, email, phone); repeatable.")] = [],  # noqa: B006
) -> None:
    """Carry out a verified request: access (writes the copy), rectification, erasure, restriction, withdrawal."""
    from museion.privacy import requests
    from museion.privacy.vault import IDENTIFIERS, KeyRing
    from museion.recommend.erasure import complete_erasure

    engine, actor = context.engine(), context.CLI_ACTOR
    with engine.connect() as conn:
        kind = requests.request_view(conn, request_id).kind
    with engine.begin() as conn:
        if kind == "access":
            if output is None:
                raise MuseionError("an access request writes a file: add --output copy.json")
            copy = requests.complete_access(conn, KeyRing.load(context.home()), request_id, actor=actor)
            output.write_text(json.dumps(copy, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
            console.print(f"request {request_id}: copy of {len(copy['events'])} events written to {output}")
        elif kind == "rectification":
            pairs = dict(item.split("=", 1) for item in set_field if "=" in item)
            if not pairs or len(pairs) != len(set_field):
                raise MuseionError("give the corrections as --set FIELD=VALUE")
            profile = {k: (int(v) if k == "age" else v) for k, v in pairs.items() if k not in IDENTIFIERS}
            identifiers = {k: v for k, v in pairs.items() if k in IDENTIFIERS}
            requests.complete_rectification(conn, KeyRing.load(context.home()), request_id, profile=profile,
                                            identifiers=identifiers, actor=actor)
            console.print(f"request {request_id}: rectified {', '.join(sorted(pairs))}")
        elif kind == "erasure":
            outcome = complete_erasure(conn, context.home(), request_id, actor=actor)
            console.print(f"request {request_id}: erased ({outcome})")
        elif kind == "restriction":
            requests.complete_restriction(conn, request_id, actor=actor)
            console.print(f"request {request_id}: processing restricted")
        else:
            requests.complete_withdrawal(conn, request_id, actor=actor)
            console.print(f"request {request_id}: consents withdrawn")
    if kind == "erasure":
        requests.purge_erased(engine)


@request_app.command("list")
@friendly_errors
def request_list(status: Annotated[str | None, typer.Option(help="Only requests in this state: received, verified, "
                                                                   "completed or refused.")] = None,
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """All requests with their status and due dates (open ones first)."""
    from museion.privacy.requests import list_requests

    with context.engine().connect() as conn:
        rows = [{field: getattr(view, field) for field in LISTED} for view in list_requests(conn, status=status)]
    show_rows(rows, as_json=as_json, title="data-subject requests", columns={
        "#": lambda r: r["id"],
        "kind": lambda r: r["kind"],
        "status": lambda r: r["status"],
        "received": lambda r: str(r["received_at"])[:16],
        "due": lambda r: str(r["due_at"])[:16],
        "closed": lambda r: str(r["closed_at"] or "")[:16],
        "refusal": lambda r: r["refusal_reason"] or "",
    })
