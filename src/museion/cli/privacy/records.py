"""`museion privacy purposes`, `export-ropa`, `access-log` and `pseudonym`: what is processed, why, and who read it."""

from __future__ import annotations

import csv
import io
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import friendly_errors, print_json, show_rows
from museion.errors import MuseionError


def _ropa() -> list[dict[str, object]]:
    """Record of processing activities (GDPR art. 30): each purpose with its data and basis."""
    from museion.privacy.consent import current_purposes
    from museion.privacy.datamap import CATEGORIES, is_sensitive

    with context.engine().connect() as conn:
        purposes = current_purposes(conn)
    return [{
        "purpose": p.code, "version": p.version, "name": p.name, "description": p.description,
        "legal_basis": p.legal_basis, "categories": list(p.categories),
        "fields": [f for c in p.categories for f in CATEGORIES[c].fields],
        "sensitive": is_sensitive(p.categories), "retention_days": p.retention_days,
    } for p in purposes]


@friendly_errors
def purposes(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Declared purposes: legal basis, data categories, retention."""
    show_rows(_ropa(), as_json=as_json, title="declared purposes (latest versions)", columns={
        "purpose": lambda r: f"{r['purpose']} v{r['version']}",
        "basis": lambda r: r["legal_basis"],
        "categories": lambda r: ", ".join(r["categories"]),
        "retention": lambda r: f"{r['retention_days']} days" if r["retention_days"] else "-",
        "sensitive": lambda r: "yes" if r["sensitive"] else "no",
    })


@friendly_errors
def export_ropa(fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json") -> None:
    """The record of processing activities (GDPR art. 30) in JSON or CSV."""
    rows = _ropa()
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: "|".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows)
        typer.echo(out.getvalue(), nl=False)
    else:
        raise MuseionError(f"unknown format {fmt!r}; use json or csv")


@friendly_errors
def access_log(limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most recent entries.")] = 20,
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Recent reads of personal data: who, for which purpose, which categories, how many rows and members."""
    from museion.privacy import access_log as accesses

    with context.engine().connect() as conn:
        rows = accesses.recent(conn, limit=limit)
    show_rows(rows, as_json=as_json, title="access to personal data", columns={
        "at": lambda r: r["at"],
        "actor": lambda r: r["actor"],
        "purpose": lambda r: r["purpose"],
        "categories": lambda r: ", ".join(r["categories"]),
        "rows": lambda r: f"{r['rows']:,}",
        "members": lambda r: f"{r['members']:,}",
    })


@friendly_errors
def pseudonym(external_id: Annotated[str, typer.Argument(help="The member id in your own system.")],
              source: Annotated[str, typer.Option(help="The --source it was imported with.")] = "local") -> None:
    """The member key Museion stores for an external member id (needs the pseudonym key)."""
    from museion.privacy.pseudonym import load_key, pseudonymiser

    typer.echo(f"{source}:{pseudonymiser(load_key(context.home()), source)(external_id)}")
