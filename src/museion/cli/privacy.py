"""`museion privacy …`: purposes and the record of processing, consents, and the access log."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.errors import MuseionError

privacy_app = typer.Typer(help="Privacy: purposes and data map, consents, access records.", no_args_is_help=True)
consent_app = typer.Typer(help="The consent ledger: grant, withdraw, show, import.", no_args_is_help=True)
privacy_app.add_typer(consent_app, name="consent")

PurposeOpt = Annotated[str, typer.Option(help="Declared purpose code (see `museion privacy purposes`).")]
NoticeOpt = Annotated[str, typer.Option(help="Version of the privacy notice the member saw.")]
SourceOpt = Annotated[str, typer.Option(help="Where the decision was made: web, app, support, import…")]
CategoryOpt = Annotated[str | None, typer.Option(help="A sensitive category of the purpose (e.g. demographics): "
                                                      "its own, separate consent.")]


def _engine():  # type: ignore[no-untyped-def]
    from museion.cli.main import _engine as engine

    return engine()


def _ropa() -> list[dict[str, object]]:
    """Record of processing activities (GDPR art. 30): each purpose with its data and basis."""
    from museion.privacy.consent import current_purposes
    from museion.privacy.datamap import CATEGORIES, is_sensitive

    with _engine().connect() as conn:
        purposes = current_purposes(conn)
    return [{
        "purpose": p.code, "version": p.version, "name": p.name, "description": p.description,
        "legal_basis": p.legal_basis, "categories": list(p.categories),
        "fields": [f for c in p.categories for f in CATEGORIES[c].fields],
        "sensitive": is_sensitive(p.categories), "retention_days": p.retention_days,
    } for p in purposes]


@privacy_app.command("purposes")
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


@privacy_app.command("export-ropa")
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


def _decide(member: str, purpose: str, granted: bool, notice_version: str, source: str, category: str | None) -> None:
    from museion.audience.activity import member_id_for
    from museion.cli.main import CLI_ACTOR
    from museion.privacy.consent import current_purpose, record, scoped

    with _engine().begin() as conn:
        record(conn, member_id_for(conn, member), current_purpose(conn, purpose), granted=granted,
               notice_version=notice_version, source=source, category=category, actor=CLI_ACTOR)
    console.print(f"{member}: {scoped(purpose, category)} {'granted' if granted else 'withdrawn'} (effective now)")


@consent_app.command("grant")
@friendly_errors
def grant(member: Annotated[str, typer.Argument(help="Member key.")], purpose: PurposeOpt = "personalisation",
          notice_version: NoticeOpt = "1", source: SourceOpt = "support", category: CategoryOpt = None) -> None:
    """Record that MEMBER consents to PURPOSE (or, with --category, to that sensitive category under it)."""
    _decide(member, purpose, True, notice_version, source, category)


@consent_app.command("withdraw")
@friendly_errors
def withdraw(member: Annotated[str, typer.Argument(help="Member key.")], purpose: PurposeOpt = "personalisation",
             notice_version: NoticeOpt = "1", source: SourceOpt = "support", category: CategoryOpt = None) -> None:
    """Record that MEMBER withdraws consent to (or objects to) PURPOSE; it takes effect at once."""
    _decide(member, purpose, False, notice_version, source, category)


@consent_app.command("show")
@friendly_errors
def show(member: Annotated[str, typer.Argument(help="Member key.")],
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """MEMBER's current decision for each purpose."""
    from museion.audience.activity import member_id_for
    from museion.privacy.consent import states

    with _engine().connect() as conn:
        current = states(conn, member_id_for(conn, member))
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
def import_consents(file: Annotated[Path, typer.Argument(help="CSV with member, purpose, granted, notice_version, source.")]) -> None:
    """Import existing consents; every row is checked first and the import is all or nothing."""
    from museion.privacy.consent import import_file

    with _engine().begin() as conn:
        n = import_file(conn, file)
    console.print(f"imported {n:,} consent decisions from {file}")


@privacy_app.command("access-log")
@friendly_errors
def access_log(limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most recent entries.")] = 20,
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Recent reads of personal data: who, for which purpose, which categories, how many rows and members."""
    from museion.privacy.models import AccessRecord

    with _engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(AccessRecord.__table__).order_by(AccessRecord.id.desc()).limit(limit))]
    show_rows(rows, as_json=as_json, title="access to personal data", columns={
        "at": lambda r: r["at"],
        "actor": lambda r: r["actor"],
        "purpose": lambda r: r["purpose"],
        "categories": lambda r: ", ".join(r["categories"]),
        "rows": lambda r: f"{r['rows']:,}",
        "members": lambda r: f"{r['members']:,}",
    })


request_app = typer.Typer(help="Data-subject requests: open, verify identity, complete or refuse.", no_args_is_help=True)
vault_app = typer.Typer(help="The encrypted vault of direct identifiers.", no_args_is_help=True)
privacy_app.add_typer(request_app, name="request")
privacy_app.add_typer(vault_app, name="vault")
RequestId = Annotated[int, typer.Argument(help="Request number.")]


def _ring():  # type: ignore[no-untyped-def]
    from museion.config import get_settings
    from museion.privacy.vault import KeyRing

    return KeyRing.load(get_settings().home)


@request_app.command("open")
@friendly_errors
def request_open(member: Annotated[str, typer.Argument(help="Member key.")],
                 kind: Annotated[str, typer.Option(help="access, rectification, erasure, restriction or withdrawal.")],
                 channel: Annotated[str, typer.Option(help="How it arrived: web, e-mail, letter…")] = "support") -> None:
    """Open a request; it is due in MUSEION_REQUEST_DUE_DAYS (default 15) days."""
    from museion.cli.main import CLI_ACTOR
    from museion.config import get_settings
    from museion.privacy.requests import open_request

    with _engine().begin() as conn:
        request_id = open_request(conn, member, kind, channel=channel, due_days=get_settings().request_due_days,
                                  actor=CLI_ACTOR)
    console.print(f"request {request_id} ({kind}) opened; verify the requester's identity next")


@request_app.command("verify")
@friendly_errors
def request_verify(request_id: RequestId, how: Annotated[str, typer.Option(help="How identity was checked.")],
                   by: Annotated[str, typer.Option(help="Who checked it.")] = "privacy-officer") -> None:
    """Record the identity check that must precede any disclosure or change."""
    from museion.cli.main import CLI_ACTOR
    from museion.privacy.requests import verify

    with _engine().begin() as conn:
        verify(conn, request_id, by=by, how=how, actor=CLI_ACTOR)
    console.print(f"request {request_id} verified")


@request_app.command("refuse")
@friendly_errors
def request_refuse(request_id: RequestId, reason: Annotated[str, typer.Option(help="Why (kept and told to the requester).")]) -> None:
    """Refuse a request, with its reason."""
    from museion.cli.main import CLI_ACTOR
    from museion.privacy.requests import refuse

    with _engine().begin() as conn:
        refuse(conn, request_id, reason=reason, actor=CLI_ACTOR)
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
    import json as json_

    from museion.cli.main import CLI_ACTOR as actor
    from museion.config import get_settings
    from museion.privacy import requests
    from museion.privacy.vault import IDENTIFIERS

    engine = _engine()
    with engine.connect() as conn:
        kind = requests.get_request(conn, request_id).kind
    with engine.begin() as conn:
        if kind == "access":
            if output is None:
                raise MuseionError("an access request writes a file: add --output copy.json")
            copy = requests.complete_access(conn, _ring(), request_id, actor=actor)
            output.write_text(json_.dumps(copy, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
            console.print(f"request {request_id}: copy of {len(copy['events'])} events written to {output}")
        elif kind == "rectification":
            pairs = dict(item.split("=", 1) for item in set_field if "=" in item)
            if not pairs or len(pairs) != len(set_field):
                raise MuseionError("give the corrections as --set FIELD=VALUE")
            profile = {k: (int(v) if k == "age" else v) for k, v in pairs.items() if k not in IDENTIFIERS}
            identifiers = {k: v for k, v in pairs.items() if k in IDENTIFIERS}
            requests.complete_rectification(conn, _ring(), request_id, profile=profile, identifiers=identifiers, actor=actor)
            console.print(f"request {request_id}: rectified {', '.join(sorted(pairs))}")
        elif kind == "erasure":
            outcome = requests.complete_erasure(conn, get_settings().home, request_id, actor=actor)
            console.print(f"request {request_id}: erased ({outcome})")
        elif kind == "restriction":
            requests.complete_restriction(conn, request_id, actor=actor)
            console.print(f"request {request_id}: processing restricted")
        else:
            requests.complete_withdrawal(conn, request_id, actor=actor)
            console.print(f"request {request_id}: consents withdrawn")


@request_app.command("list")
@friendly_errors
def request_list(status: Annotated[str | None, typer.Option(help="Only requests in this state: received, verified, "
                                                                   "completed or refused.")] = None,
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """All requests with their status and due dates (open ones first)."""
    from museion.privacy.models import SubjectRequest

    q = select(SubjectRequest.__table__).order_by(SubjectRequest.closed_at.is_not(None), SubjectRequest.due_at)
    if status is not None:
        q = q.where(SubjectRequest.status == status)
    with _engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for row in rows:
        row.pop("member_id")
    show_rows(rows, as_json=as_json, title="data-subject requests", columns={
        "#": lambda r: r["id"],
        "kind": lambda r: r["kind"],
        "status": lambda r: r["status"],
        "received": lambda r: str(r["received_at"])[:16],
        "due": lambda r: str(r["due_at"])[:16],
        "closed": lambda r: str(r["closed_at"] or "")[:16],
        "refusal": lambda r: r["refusal_reason"] or "",
    })


@vault_app.command("put")
@friendly_errors
def vault_put(member: Annotated[str, typer.Argument(help="Member key.")],
              name: Annotated[str | None, typer.Option(help="Full name.")] = None,
              email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
              phone: Annotated[str | None, typer.Option(help="Phone number.")] = None) -> None:
    """Store a member's direct identifiers, encrypted (nothing else in Museion holds them)."""
    from museion.audience.activity import member_id_for
    from museion.privacy.vault import put

    with _engine().begin() as conn:
        put(conn, _ring(), member_id_for(conn, member), {"name": name or "", "email": email or "", "phone": phone or ""})
    console.print(f"{member}: identifiers stored in the vault")


@vault_app.command("rotate")
@friendly_errors
def vault_rotate() -> None:
    """Re-encrypt every vault entry under a new key, then retire the old keys."""
    from museion.privacy.vault import rotate

    ring = _ring()
    with _engine().begin() as conn:
        n = rotate(conn, ring)
    ring.retire_all_but_current()
    console.print(f"re-encrypted {n:,} vault entries under key {ring.current}; old keys retired")


def _lines(source: str) -> list[str]:
    import sys

    if source == "-":
        return sys.stdin.read().splitlines()
    path = Path(source)
    if not path.is_file():
        raise MuseionError(f"file not found: {path}")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise MuseionError(f"{path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


Language = Annotated[str, typer.Option(help="en or zh (Simplified Chinese).")]
Source = Annotated[str, typer.Argument(help="A text file, or - for standard input.")]


@privacy_app.command("detect-pii")
@friendly_errors
def detect_pii(source: Source = "-", language: Language = "en",
               as_json: Annotated[bool, typer.Option("--json/--no-json", help="One JSON object per line.")] = True) -> None:
    """For each input line, the personal data found (start, end, type, score); runs fully offline."""
    import json as json_

    from museion.privacy.pii import LANGUAGES, detect

    if language not in LANGUAGES:
        raise MuseionError(f"unsupported language {language!r}; use {' or '.join(LANGUAGES)}")
    for number, line in enumerate(_lines(source), start=1):
        spans = [{"start": s.start, "end": s.end, "type": s.type, "score": round(s.score, 3)} for s in detect(line, language)]
        typer.echo(json_.dumps({"line": number, "spans": spans}) if as_json else f"{number}: {spans}")


@privacy_app.command("redact")
@friendly_errors
def redact_text(source: Source = "-", language: Language = "en") -> None:
    """Print the input with each detected entity replaced by <TYPE>."""
    from museion.privacy.pii import LANGUAGES, redact

    if language not in LANGUAGES:
        raise MuseionError(f"unsupported language {language!r}; use {' or '.join(LANGUAGES)}")
    for line in _lines(source):
        typer.echo(redact(line, language))


@privacy_app.command("pseudonym")
@friendly_errors
def pseudonym(external_id: Annotated[str, typer.Argument(help="The member id in your own system.")],
              source: Annotated[str, typer.Option(help="The --source it was imported with.")] = "local") -> None:
    """The member key Museion stores for an external member id (needs the pseudonym key)."""
    from museion.config import get_settings
    from museion.privacy.pseudonym import load_key, pseudonymiser

    typer.echo(f"{source}:{pseudonymiser(load_key(get_settings().home), source)(external_id)}")


release_app = typer.Typer(help="De-identified releases: DP histograms under a budget, k-anonymous tables.",
                          no_args_is_help=True)
privacy_app.add_typer(release_app, name="release")


@release_app.command("budget")
@friendly_errors
def release_budget(dataset: Annotated[str, typer.Argument(help="Member source, e.g. movielens.")],
                   total: Annotated[float | None, typer.Option(help="Set the total epsilon (once; never raised).")] = None) -> None:
    """Show (or set, once) a dataset's differential-privacy budget and what has been spent."""
    from museion.privacy import releases

    with _engine().begin() as conn:
        if total is not None:
            releases.set_budget(conn, dataset, total)
        ledger = releases.budget(conn, dataset)
    console.print(f"{dataset}: ε total {ledger.total_epsilon:g}, spent {ledger.spent:g} in {len(ledger.spends)} "
                  f"release(s), remaining {ledger.remaining:g}")


@release_app.command("histogram")
@friendly_errors
def release_histogram(dataset: Annotated[str, typer.Argument(help="Member source, e.g. movielens.")],
                      by: Annotated[str, typer.Option(help="genre or kind.")] = "genre",
                      epsilon: Annotated[float, typer.Option(help="Privacy loss charged to the budget.")] = 0.5,
                      max_contributions: Annotated[int, typer.Option(help="Events counted per member at most.")] = 50,
                      as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Noisy activity counts per genre or kind (OpenDP); refused when the budget would be exceeded."""
    from museion.cli.main import CLI_ACTOR
    from museion.privacy import releases

    with _engine().begin() as conn:
        release = releases.activity_histogram(conn, dataset, by, epsilon=epsilon, actor=CLI_ACTOR,
                                              max_contributions=max_contributions)
    body = {"dataset": dataset, "by": by, "epsilon": release.epsilon, "mechanism": release.mechanism,
            "error_bound": release.error_bound, "confidence": release.confidence,
            "max_contributions": release.max_contributions, "counts": release.as_dict()}
    if as_json:
        print_json(body)
        return
    table = Table(title=f"{dataset}: activity per {by} (ε={release.epsilon:g}; each count within ±{release.error_bound:,.0f} "
                        f"with {release.confidence:.0%} probability)")
    table.add_column(by)
    table.add_column("noisy count", justify="right")
    for category, count in body["counts"].items():
        table.add_row(str(category), f"{count:,}")
    console.print(table)


@release_app.command("k-anonymous")
@friendly_errors
def release_kanon(source: Annotated[str, typer.Argument(help="Creator source, e.g. moma.")],
                  k: Annotated[int, typer.Option(min=2, help="Smallest group size.")] = 5,
                  output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write.")] = Path("creators-k5.csv"),
                  ) -> None:
    """Release creators' nationality, gender and birth year generalised until every group has ≥ k people."""
    from museion.cli.main import CLI_ACTOR
    from museion.privacy import releases

    with _engine().begin() as conn:
        report, _table = releases.k_anonymous_creators(conn, source, k=k, output=output, actor=CLI_ACTOR)
    console.print(f"wrote {report['rows'] - report['suppressed']:,} rows to {output}: k={report['k']}, "
                  f"{report['suppressed']:,} suppressed ({report['suppressed_pct']:.2f}%), information loss "
                  f"{report['information_loss']:.4f}, levels {report['levels']}")


member_app = typer.Typer(help="A member's own controls: personalisation on/off, derived interest tags, lists shown.",
                         no_args_is_help=True)
privacy_app.add_typer(member_app, name="member")
MemberArg = Annotated[str, typer.Argument(help="Member key.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@member_app.command("personalisation")
@friendly_errors
def member_personalisation(member: MemberArg,
                           on: Annotated[bool | None, typer.Option("--on/--off", help="Switch it on or off; "
                                                                    "without either, show the setting.")] = None) -> None:
    """Show or switch MEMBER's personalisation; a change counts from their next list."""
    from museion.audience import preferences
    from museion.audience.activity import member_id_for
    from museion.cli.main import CLI_ACTOR
    from museion.privacy.gate import may_use

    with _engine().begin() as conn:
        member_id = member_id_for(conn, member)
        if on is not None:
            preferences.set_personalisation(conn, member_id, on, actor=CLI_ACTOR)
        setting = preferences.controls(conn, member_id).personalise
        consented = may_use(conn, member_id, preferences.PURPOSE)
    console.print(f"{member}: personalisation {'on' if setting else 'off'}"
                  f"{'' if consented else ' (but no consent to personalisation: the feed is not personalised)'}")


@member_app.command("interests")
@friendly_errors
def member_interests(member: MemberArg, limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
                     as_json: JsonOpt = False) -> None:
    """The interest tags derived from MEMBER's history (read through the gate), strongest first."""
    from museion.audience import preferences
    from museion.audience.activity import member_id_for
    from museion.cli.main import CLI_ACTOR

    with _engine().begin() as conn:
        found = preferences.interests(conn, member_id_for(conn, member), actor=CLI_ACTOR, limit=limit)
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
    from museion.audience import preferences
    from museion.audience.activity import member_id_for
    from museion.cli.main import CLI_ACTOR

    change = preferences.restore if restore else preferences.suppress
    with _engine().begin() as conn:
        change(conn, member_id_for(conn, member), tag, actor=CLI_ACTOR)
    console.print(f"{member}: interest {tag!r} {'restored' if restore else 'deleted'}")


@member_app.command("shown")
@friendly_errors
def member_shown(member: MemberArg, limit: Annotated[int, typer.Option(min=1, max=1000)] = 20, as_json: JsonOpt = False) -> None:
    """The lists of recommendations shown to MEMBER, newest first."""
    from museion.audience.activity import member_id_for
    from museion.privacy.requests import served_lists

    with _engine().connect() as conn:
        rows = served_lists(conn, member_id_for(conn, member), limit)
    show_rows(rows, as_json=as_json, title=f"lists shown to {member}", columns={
        "served": lambda r: str(r["served_at"])[:19],
        "model": lambda r: r["model_version"] or "-",
        "personalised": lambda r: "yes" if r["personalised"] else f"no: {r['not_personalised_because']}",
        "works": lambda r: ", ".join(w["title"] for w in r["works"]),
    })
