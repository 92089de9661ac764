"""Licence-expiry alerts: one alert per licence whose last day falls within the warning window, routed to curators,
so a renewal is negotiated before its works disappear from every path (``museion.rights.availability``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from museion.rights.licence_reports import expiring
from museion.risk import alerts

DETECTOR = "rights.licence_expiry"
WINDOW_DAYS = 30


def scan(conn: Connection, *, actor: str, within_days: int = WINDOW_DAYS, day: date) -> list[int]:
    """Raise (or count a repeat on) an alert for each licence ending from ``day`` to ``day + within_days``."""
    raised = []
    for lic in expiring(conn, within_days, day):
        severity = "high" if lic["days_left"] <= 7 else "medium"
        raised.append(alerts.raise_alert(
            conn, kind="licence", detector=DETECTOR, severity=severity, subject=f"licence:{lic['key']}",
            summary=f"licence {lic['key']} from {lic['holder']} ends on {lic['ends'].isoformat()} "
                    f"({lic['days_left']} days): {lic['works']} works stop being available after it"
                    + (" (a GENERATED demo licence)" if lic["demo"] else ""), actor=actor,
            evidence={"licence_id": lic["id"], "licence": lic["key"], "holder": lic["holder_key"], "ends": lic["ends"].isoformat(),
                      "days_left": lic["days_left"], "works": lic["works"], "uses": lic["uses"],
                      "territories": lic["territories"], "demo": lic["demo"]}).alert_id)
    return raised
