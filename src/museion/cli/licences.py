"""`museion rights licences|holders|import|export|conflicts|gaps|expiring|statement|end|edit|acquisitions`: the rights
registry from the terminal (registered on the `rights` app of ``museion.cli.rights``)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.config import get_settings
from museion.errors import MuseionError
from museion.rights import licence_csv, licence_reports, licences, odrl
from museion.rights.availability import today

Fmt = Annotated[str, typer.Option("--format", help="csv or odrl (W3C ODRL JSON-LD).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _day(text: str, option: str) -> date:
    """A date option, or a clear refusal naming it (never a traceback)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise MuseionError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def register(app: typer.Typer) -> None:
    for name, command in (("licences", list_cmd), ("holders", holders_cmd), ("import", import_cmd), ("export", export_cmd),
                          ("conflicts", conflicts_cmd), ("gaps", gaps_cmd), ("expiring", expiring_cmd),
                          ("statement", statement_cmd), ("end", end_cmd), ("edit", edit_cmd), ("acquisitions", acquisitions_cmd)):
        app.command(name)(friendly_errors(command))


def list_cmd(holder: Annotated[str | None, typer.Option(help="Only this holder's licences (key).")] = None,
             limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200, as_json: AsJson = False) -> None:
    """Licences, latest start first (demo ones are marked)."""
    with context.engine().connect() as conn:
        rows = licence_reports.list_licences(conn, holder=holder, limit=limit)
    show_rows(rows, as_json=as_json, title="licences", columns={
        "id": lambda r: r["id"], "key": lambda r: r["key"] + (" (demo)" if r["demo"] else ""), "holder": lambda r: r["holder"],
        "uses": lambda r: ",".join(r["uses"]), "territories": lambda r: ",".join(r["territories"]),
        "from": lambda r: r["starts"], "to": lambda r: r["ends"] or "open", "exclusive": lambda r: "yes" if r["exclusive"] else "",
        "works": lambda r: r["works"]})


def holders_cmd(as_json: AsJson = False) -> None:
    """Rights holders and how many licences each granted."""
    with context.engine().connect() as conn:
        rows = licence_reports.holders(conn)
    show_rows(rows, as_json=as_json, title="rights holders", columns={
        "key": lambda r: r["key"], "name": lambda r: r["name"], "kind": lambda r: r["kind"], "licences": lambda r: r["licences"]})


def import_cmd(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to read.")],
               fmt: Fmt = "csv",
               what: Annotated[str, typer.Option("--what", help="licences or holders (csv only).")] = "licences",
               mapping: Annotated[list[str] | None, typer.Option("--map", help="FIELD=COLUMN, repeatable.")] = None) -> None:
    """Import licences (CSV or ODRL) or rights holders (CSV); refused whole, with row and field, on any problem."""
    with path.open(encoding="utf-8", newline="") as source:
        if fmt == "odrl":
            rows = odrl.parse(json.load(source), path.name)
        elif fmt != "csv":
            raise MuseionError(f"unknown format {fmt!r}; use csv or odrl")
        elif what == "holders":
            found = licence_csv.read_holders(source, licence_csv.parse_mapping(mapping or [], licence_csv.HOLDER_FIELDS), path.name)
            with context.engine().begin() as conn:
                n = licences.save_holders(conn, found, actor=context.CLI_ACTOR, label=path.name)
            console.print(f"{n} rights holders recorded")
            return
        else:
            rows = licence_csv.read_licences(source, licence_csv.parse_mapping(mapping or [], licence_csv.LICENCE_FIELDS), path.name)
    with context.engine().begin() as conn:
        ids = licences.save_licences(conn, rows, actor=context.CLI_ACTOR, label=path.name)
    console.print(f"{len(ids)} licences recorded from {path}")


def export_cmd(fmt: Fmt = "csv",
               output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: standard output).")] = None) -> None:
    """Export every licence as CSV (the columns `import` reads) or ODRL JSON-LD."""
    with context.engine().connect() as conn:
        rows = licence_reports.with_work_keys(conn)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "odrl":
            json.dump(odrl.document([odrl.policy(lic, keys) for lic, keys in rows]), out, ensure_ascii=False, indent=1)
        elif fmt == "csv":
            licence_csv.write_licences(rows, out)
        else:
            raise MuseionError(f"unknown format {fmt!r}; use csv or odrl")
    finally:
        if output:
            out.close()


def conflicts_cmd(as_json: AsJson = False) -> None:
    """Exclusive licences on the same work that overlap in use, territory and days."""
    with context.engine().connect() as conn:
        rows = licence_reports.conflicts(conn)
    show_rows(rows, as_json=as_json, title="conflicting exclusive licences", columns={
        "work": lambda r: f"{r['work_id']} {r['title']}", "licence": lambda r: r["licence_a"], "and": lambda r: r["licence_b"],
        "uses": lambda r: ",".join(r["uses"])})


def gaps_cmd(start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD) of served lists counted.")] = "2000-01-01",
             as_json: AsJson = False) -> None:
    """Works served (display) or exported (reproduce) with no licence recorded for that use."""
    from museion.rights.gaps import used_works

    with context.engine().begin() as conn:
        rows = licence_reports.gaps(conn, used_works(conn, _day(start, "--start"), today(), actor=context.CLI_ACTOR))
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['use']}: {r['unlicensed']:,} of {r['used']:,} works used have no licence for it")


def expiring_cmd(days: Annotated[int, typer.Option(min=1, max=3650, help="Window in days.")] = 30,
                 alert: Annotated[bool, typer.Option("--alert", help="Raise a risk alert for each (routed to curators).")] = False,
                 as_json: AsJson = False) -> None:
    """Licences whose last day falls within the next DAYS days."""
    with context.engine().begin() as conn:
        rows = licence_reports.expiring(conn, days, today())
        if alert:
            from museion.risk.licence_expiry import scan

            console.print(f"{len(scan(conn, actor=context.CLI_ACTOR, within_days=days, day=today()))} alerts raised or repeated")
    show_rows(rows, as_json=as_json, title=f"licences ending within {days} days", columns={
        "key": lambda r: r["key"] + (" (demo)" if r["demo"] else ""), "holder": lambda r: r["holder"], "ends": lambda r: r["ends"],
        "days left": lambda r: r["days_left"], "works": lambda r: r["works"]})


def statement_cmd(holder: Annotated[str, typer.Argument(help="The rights holder's key.")],
                  start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
                  end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD.")],
                  fmt: Annotated[str, typer.Option("--format", help="csv, html (one standalone file) or json.")] = "csv",
                  lang: Annotated[str, typer.Option(help="Language of the HTML file: en or zh-Hans.")] = "en",
                  output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: standard output).")] = None,
                  ) -> None:
    """A usage statement for one holder and period, with the SHA-256 of its inputs, as CSV, standalone HTML or JSON."""
    from museion.rights import statement_html
    from museion.rights.usage import statement, write_csv

    if fmt not in ("csv", "html", "json"):
        raise MuseionError(f"unknown format {fmt!r}; use csv, html or json")
    if lang not in statement_html.LABELS:
        raise MuseionError(f"unknown language {lang!r}; use {' or '.join(statement_html.LABELS)}")
    with context.engine().begin() as conn:  # the gate records the aggregate read
        st = statement(conn, holder, _day(start, "--start"), _day(end, "--end"), actor=context.CLI_ACTOR)
    if fmt == "json":
        print_json(st)
        return
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "html":
            out.write(statement_html.render(st, lang))
        else:
            write_csv(st, out)
    finally:
        if output:
            out.close()
    if output:
        console.print(f"statement written to {output} (inputs SHA-256 {st['inputs_sha256']})")


def end_cmd(licence_id: Annotated[int, typer.Argument(min=1)],
            last_day: Annotated[str, typer.Option("--on", help="Last day covered, YYYY-MM-DD (default: yesterday).")] = "") -> None:
    """End a licence: its works stop being served, shown and exported the day after, everywhere at once."""
    from datetime import timedelta

    day = _day(last_day, "--on") if last_day else today() - timedelta(days=1)
    with context.engine().begin() as conn:
        licences.end_licence(conn, licence_id, day, actor=context.CLI_ACTOR)
    console.print(f"licence {licence_id} ends on {day.isoformat()}")


def edit_cmd(licence_id: Annotated[int, typer.Argument(min=1)],
             starts: Annotated[str, typer.Option("--from", help="First day covered, YYYY-MM-DD.")],
             territories: Annotated[str, typer.Option(help="ISO codes separated by commas (GB,US), or world.")],
             ends: Annotated[str, typer.Option("--to", help="Last day covered, YYYY-MM-DD (default: open-ended).")] = "") -> None:
    """Change a licence's window and territories, checked as an import is (end before start, unknown territory, an
    exclusive licence it would overlap); its works' availability follows at once."""
    with context.engine().begin() as conn:
        licences.edit_licence(conn, licence_id, starts=_day(starts, "--from"), ends=_day(ends, "--to") if ends else None,
                              territories=territories.replace(",", " ").split(), actor=context.CLI_ACTOR)
    console.print(f"licence {licence_id} now runs {starts} to {ends or 'open-ended'} in {territories}")


def acquisitions_cmd() -> None:
    """Parse Tate's credit lines into acquisition provenance (purchased, presented, bequeathed, accepted in lieu…)."""
    from museion.rights.acquisitions import load_tate_acquisitions

    with context.engine().begin() as conn:
        read, parsed = load_tate_acquisitions(conn, get_settings().datasets_dir, actor=context.CLI_ACTOR)
    console.print(f"{parsed:,} of {read:,} credit lines parsed into acquisition provenance")
