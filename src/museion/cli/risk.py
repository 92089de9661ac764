"""`museion risk`: alerts as records (list, show, acknowledge, resolve, mark a false alarm), the shilling detector run
over the stored ratings, an attack drill on a scratch copy, and the detectors' thresholds with their history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from sqlalchemy import Connection, Engine

from museion.cli import context
from museion.cli.engine_options import EngineOpt, RayAddressOpt
from museion.cli.output import console, err_console, friendly_errors, print_json, show_rows
from museion.risk import alerts, delivery, detection, drift_check, kpi, misuse_scan, quality, served_drift

risk_app = typer.Typer(
    help="Risk warning. `museion risk detect` runs the fake-profile (shilling) detector over the stored ratings; "
         "`museion risk simulate-attack` injects a labelled attack into a scratch copy (never the store) and records "
         "the alerts it raises as simulated; `museion risk alerts` lists alerts, and `ack`, `resolve` and `false-alarm` "
         "move one with a reason (a false alarm raises its detector's threshold: `museion risk thresholds`).",
    no_args_is_help=True, rich_markup_mode="markdown")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
MethodOpt = Annotated[str, typer.Option(
    help="features (unsupervised) or semi (plus a classifier trained on generated attacks; catches popular filler).")]
WhyOpt = Annotated[str, typer.Option("--why", help="Why (recorded with your name on the alert).")]
ALERT_COLUMNS: dict[str, Any] = {
    "id": lambda r: r["id"], "kind": lambda r: r["kind"], "severity": lambda r: r["severity"],
    "state": lambda r: r["state"], "subject": lambda r: r["subject"] + (" (drill)" if r["simulated"] else ""),
    "seen": lambda r: r["count"], "last seen": lambda r: r["last_seen"][:19], "owner": lambda r: r["owner_role"],
    "summary": lambda r: r["summary"]}


@risk_app.command("alerts")
@friendly_errors
def list_alerts(
    kind: Annotated[str | None, typer.Option(help="shilling, kpi, misuse, drift or quality.")] = None,
    state: Annotated[str | None, typer.Option(help="open, acknowledged, resolved or false_alarm.")] = None,
    severity: Annotated[str | None, typer.Option(help="low, medium or high.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List risk alerts, newest first."""
    with context.engine().connect() as conn:
        rows = alerts.list_alerts(conn, kind=kind, state=state, severity=severity)
    if not rows and not as_json:
        console.print("no alerts (run `museion risk detect`, or rehearse with `museion risk simulate-attack`)")
        return
    show_rows(rows, as_json=as_json, title="Risk alerts", columns=ALERT_COLUMNS)


@risk_app.command("alert")
@friendly_errors
def show_alert(alert_id: Annotated[int, typer.Argument(help="The alert's id.")], as_json: JsonOpt = False) -> None:
    """One alert with its evidence and history."""
    with context.engine().connect() as conn:
        alert = alerts.get_alert(conn, alert_id)
    if as_json:
        print_json(alert)
        return
    console.print(f"alert {alert['id']} [{alert['severity']}] {alert['state']}: {alert['summary']}")
    console.print(f"  kind {alert['kind']}, detector {alert['detector']}, subject {alert['subject']}, owner "
                  f"{alert['owner_role']}, seen {alert['count']}× ({alert['first_seen'][:19]} – {alert['last_seen'][:19]})"
                  + (", raised by a drill on a scratch copy" if alert["simulated"] else ""))
    for event in alert["history"]:
        console.print(f"  {event['at'][:19]} {event['action']} by {event['actor']}" + (f": {event['why']}" if event["why"] else ""))


def _move(alert_id: int, to: str, why: str, as_json: bool) -> None:
    with context.engine().begin() as conn:
        alert = alerts.transition(conn, alert_id, to, actor=context.CLI_ACTOR, why=why)
    if as_json:
        print_json(alert)
    else:
        console.print(f"alert {alert_id} is now {alert['state']}")


@risk_app.command("ack")
@friendly_errors
def ack(alert_id: int, why: WhyOpt = "looking into it", as_json: JsonOpt = False) -> None:
    """Acknowledge an alert: someone is on it."""
    _move(alert_id, "acknowledged", why, as_json)


@risk_app.command("resolve")
@friendly_errors
def resolve(alert_id: int, why: WhyOpt, as_json: JsonOpt = False) -> None:
    """Resolve an alert, saying what was done."""
    _move(alert_id, "resolved", why, as_json)


@risk_app.command("false-alarm")
@friendly_errors
def false_alarm(alert_id: int, why: WhyOpt, as_json: JsonOpt = False) -> None:
    """Mark an alert a false alarm (raises its detector's threshold one step, recorded)."""
    _move(alert_id, "false_alarm", why, as_json)


@risk_app.command("detect")
@friendly_errors
def detect(source: Annotated[str | None, typer.Option(help="Only this member source.")] = None,
           method: MethodOpt = "features", engine_name: EngineOpt = "local", ray_address: RayAddressOpt = None,
           partitions: Annotated[int, typer.Option(min=1, max=65536, help="Member partitions of the feature extraction "
                                                   "(with --engine).")] = 16,
           as_json: JsonOpt = False) -> None:
    """Run the shilling detector over the stored ratings (read for the `integrity` purpose) and raise alerts."""
    from museion.scale.engine import open_engine
    from museion.scale.shilling import PartitionedProfiler

    engine = context.engine()
    profiler = None  # the semi-supervised detector extracts its own features, in this process
    if method == "features" or engine_name != "local":  # the features mapped over member partitions
        profiler = PartitionedProfiler(open_engine(engine_name, ray_address), partitions)
    with engine.begin() as conn:
        result = detection.scan(conn, actor=context.CLI_ACTOR, source=source, method=method, profiler=profiler)
    delivery.deliver(engine, result.new, delivery.load(context.home()))
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"{result.members:,} members, {result.ratings:,} ratings: {result.flagged} profiles flagged, "
                  f"alerts {result.alerts or 'none'}")


def _check(title: str, scan: Callable[[Connection], list[int]], as_json: bool) -> None:
    """Run one quick check in a transaction, deliver the alerts it raised, and say which."""
    engine = context.engine()
    with engine.begin() as conn:
        raised = scan(conn)
    delivery.deliver(engine, raised, delivery.load(context.home()))
    if as_json:
        print_json({"alerts": raised})
        return
    console.print(f"{title}: alerts {raised or 'none'}")


@risk_app.command("anomalies")
@friendly_errors
def kpi_anomalies(as_json: JsonOpt = False) -> None:
    """Check monthly activity (events, active members) for anomalies (STL residuals, median/MAD) and raise alerts."""
    _check("KPI anomalies", lambda conn: kpi.scan_activity(conn, actor=context.CLI_ACTOR), as_json)


@risk_app.command("misuse")
@friendly_errors
def misuse(days: Annotated[int, typer.Option(min=1, max=365, help="Look back this many days.")] = 30,
           as_json: JsonOpt = False) -> None:
    """Check for failed sign-in bursts, actors over-reading personal data, and a broken audit chain; raise alerts."""
    _check("misuse", lambda conn: misuse_scan.scan(conn, actor=context.CLI_ACTOR, days=days), as_json)


@risk_app.command("drift")
@friendly_errors
def drift(days: Annotated[int, typer.Option(min=7, max=730, help="Window length in days.")] = 90,
          as_json: JsonOpt = False) -> None:
    """Compare the latest window of ratings with the one before (PSI, Jensen–Shannon, KS); raise drift alerts."""
    _check("drift", lambda conn: drift_check.scan(conn, actor=context.CLI_ACTOR, days=days), as_json)


@risk_app.command("served-drift")
@friendly_errors
def served(days: Annotated[int, typer.Option(min=7, max=365, help="Window length in days.")] = 30,
           as_json: JsonOpt = False) -> None:
    """The deployed version's live hit rate and long-tail share of served lists, last window against the one before
    (with its card and latest fairness audit as evidence); raise drift alerts."""
    _check("served-traffic drift", lambda conn: served_drift.scan(conn, actor=context.CLI_ACTOR, days=days), as_json)


@risk_app.command("quality")
@friendly_errors
def import_quality(as_json: JsonOpt = False) -> None:
    """Check each import's volume, and each profiled import's empty values and value distributions per column, against
    its entity and source's history; raise data-quality alerts."""
    _check("import quality", lambda conn: quality.scan(conn, actor=context.CLI_ACTOR), as_json)


@risk_app.command("simulate-attack")
@friendly_errors
def simulate_attack(
    kind: Annotated[str, typer.Option("--type", help="random, average, bandwagon or segment.")] = "average",
    intent: Annotated[str, typer.Option(help="push or nuke.")] = "push",
    size: Annotated[float, typer.Option(help="Fake profiles as a share of members (0.01–0.10).")] = 0.05,
    filler: Annotated[float, typer.Option(help="Filler items as a share of works (0.01–0.05).")] = 0.03,
    target: Annotated[int | None, typer.Option(help="The work id attacked (default: a rarely rated one).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated profiles.")] = 0,
    source: Annotated[str | None, typer.Option(help="Only this member source.")] = None,
    filler_from: Annotated[str, typer.Option(help="Filler drawn from any works (random) or popular ones.")] = "random",
    method: MethodOpt = "features",
    as_json: JsonOpt = False,
) -> None:
    """Drill: inject a labelled attack into a scratch copy of the ratings, detect, and record simulated alerts."""
    engine = context.engine()
    with engine.begin() as conn:
        result = detection.simulate_attack(conn, actor=context.CLI_ACTOR, kind=kind, intent=intent, size=size,
                                           filler=filler, target=target, source=source, seed=seed,
                                           filler_from=filler_from, method=method)
    delivery.deliver(engine, result.new, delivery.load(context.home()))  # routed in MUSEION_HOME/risk.toml
    if as_json:
        print_json(result.as_dict())
        return
    console.print(f"drill on a scratch copy (the store is unchanged): {result.injected} fake profiles injected, "
                  f"{result.flagged} flagged; precision {result.precision:.2f}, recall {result.recall:.2f}; "
                  f"simulated alerts {result.alerts or 'none'} (see `museion risk alerts` or /risk/alerts)")


@risk_app.command("thresholds")
@friendly_errors
def thresholds(
    detector: Annotated[str | None, typer.Option(help="Set this detector's threshold (with --value and --why).")] = None,
    value: Annotated[float | None, typer.Option(help="The new threshold.")] = None,
    why: Annotated[str, typer.Option(help="Why it changes.")] = "set by hand",
    as_json: JsonOpt = False,
) -> None:
    """Each detector's threshold in force and how false alarms and people moved it."""
    if detector is not None:
        if value is None:
            raise typer.BadParameter("give --value with --detector")
        with context.engine().begin() as conn:
            alerts.set_threshold(conn, detector, value, actor=context.CLI_ACTOR, reason=why)
    with context.engine().connect() as conn:
        rows = alerts.thresholds(conn)
    show_rows(rows, as_json=as_json, title="Detector thresholds", columns={
        "detector": lambda r: r["detector"], "threshold": lambda r: r["value"], "default": lambda r: r["default"],
        "changes": lambda r: len(r["history"]),
        "last change": lambda r: (f"{r['history'][0]['reason']} ({r['history'][0]['set_by']})" if r["history"] else "—")})


def after_import(engine: Engine, files: list[quality.Imported], *, quiet: bool = False) -> None:
    """Run the risk detectors after an import (museion.jobs_kinds.followups) and say on stderr what each found
    (``quiet``, for --json: nothing is said; the alerts are under `museion risk alerts`)."""
    from museion.jobs_kinds.followups import after_import as run_checks

    outcome = run_checks(engine, context.home(), actor=context.CLI_ACTOR, files=files)
    outcome.pop("profiled_runs")
    for check, found in ({} if quiet else outcome).items():
        said = f"alerts {found['alerts'] or 'none'}" if "alerts" in found else f"skipped: {found['skipped']}"
        err_console.print(f"risk check after the import, {check}: {said}")
