"""Misuse alerts (service): failed sign-in bursts per account (from the audit chain's ``auth.login_failed`` entries;
the chain holds no client address, so bursts per address are not visible here), actors reading far more personal data
than their own history (the gate's access records), tokens or sessions used from a new address pattern (a network
the token had not been used from, as kept by museion.security.addresses: keyed hashes, never addresses), and
audit-chain verification failures. Alerts go to the privacy officer (routing by kind)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from museion.audit.models import AuditEntry
from museion.audit.verification import verify
from museion.privacy import access_log
from museion.risk import alerts, misuse
from museion.security.addresses import new_addresses
from museion.store.base import utcnow

DETECTOR_SIGNIN, DETECTOR_READS, DETECTOR_CHAIN = "misuse.signin_burst", "misuse.overread", "misuse.audit_chain"
DETECTOR_ADDRESS = "misuse.token_new_address"


def scan(conn: Connection, *, actor: str, days: int = 30, records: int = 100_000) -> list[int]:
    """Look at the last ``days`` days; raise one alert per burst, over-reading actor and broken chain."""
    since = utcnow() - timedelta(days=days)
    raised: list[int] = []
    report = verify(conn)  # first: the alerts below append to the chain, and the witness only sees them at commit
    failures: dict[str, list[float]] = {}
    for target, at in conn.execute(select(AuditEntry.target, AuditEntry.at).where(
            AuditEntry.action == "auth.login_failed", AuditEntry.at >= since)):
        failures.setdefault(target, []).append(at.timestamp())
    for burst in misuse.bursts(failures):
        raised.append(_raise(conn, DETECTOR_SIGNIN, "high" if burst.failures >= 50 else "medium",
                             f"account:{burst.key}", f"{burst.failures} failed sign-ins within 10 minutes",
                             {"failures": burst.failures, "from": burst.start, "to": burst.end}, actor))
    per_actor: dict[str, dict[str, int]] = {}
    for row in access_log.recent(conn, limit=records):
        if row["at"] is not None and row["at"] >= since:
            day = row["at"].strftime("%Y-%m-%d")
            per_actor.setdefault(row["actor"], {}).setdefault(day, 0)
            per_actor[row["actor"]][day] += int(row["rows"])
    for found in misuse.overreads(per_actor):
        raised.append(_raise(conn, DETECTOR_READS, "high", f"actor:{found.actor}:{found.day}",
                             f"{found.actor} read {found.rows:,} rows of personal data on {found.day} "
                             f"(usually about {found.usual:,.0f} a day)",
                             {"actor": found.actor, "day": found.day, "rows": found.rows, "usual": found.usual,
                              "history": per_actor[found.actor]}, actor))
    for found in new_addresses(conn, since=since):
        what = "session" if found.token_kind == "session" else "API token"
        raised.append(_raise(conn, DETECTOR_ADDRESS, "high" if found.role == "admin" else "medium",
                             f"token:{found.token_id}:{found.address_key}",
                             f"{what} {found.token_id} of {found.account} ({found.role}) was used from a new address "
                             f"pattern on {found.first_seen:%Y-%m-%d %H:%M} (after {found.earlier} earlier one(s))",
                             {"token": found.token_id, "label": found.token_label, "kind": found.token_kind,
                              "account": found.account, "role": found.role, "address_key": found.address_key,
                              "first_seen": found.first_seen.isoformat(), "earlier_patterns": found.earlier}, actor))
    if not report.ok:
        raised.append(_raise(conn, DETECTOR_CHAIN, "high", "audit_chain",
                             f"the audit chain failed verification: {len(report.problems)} problem(s)",
                             {"problems": [str(p) for p in report.problems[:20]], "entries": report.entries}, actor))
    return raised


def _raise(conn: Connection, detector: str, severity: str, subject: str, summary: str, evidence: dict[str, Any],
           actor: str) -> int:
    return alerts.raise_alert(conn, kind="misuse", detector=detector, severity=severity, subject=subject,
                              summary=summary, evidence=evidence, actor=actor).alert_id
