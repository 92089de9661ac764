"""Risk alerts as records (service): raise with de-duplication and a suppression window, route by kind to a role,
move through open → acknowledged → resolved | false_alarm with who and why (audited), and learn from false alarms:
each one raises its detector's threshold by a step, recorded in ``risk_thresholds`` so the change can be reviewed, and
releases any profiles quarantined on the alert's account."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from museion.audit import chain
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy import quarantine
from museion.risk.models import SEVERITIES, STATES, RiskAlert, RiskAlertEvent, RiskThreshold
from museion.store.base import utcnow

ROUTES: dict[str, str] = {"shilling": "analyst", "kpi": "analyst", "drift": "analyst", "quality": "analyst",
                          "misuse": "privacy_officer",
                          "experiment": "admin",  # museion.experiments: a rollout stopped by a guardrail breach
                          "licence": "curator"}  # museion.risk.licence_expiry: a licence ends within the warning window
"""Alert kind → the role that owns it."""
KINDS = tuple(ROUTES)
MOVES: dict[str, tuple[str, ...]] = {"open": ("acknowledged", "resolved", "false_alarm"),
                                     "acknowledged": ("resolved", "false_alarm", "open"),
                                     "resolved": ("open",), "false_alarm": ("open",)}
SUPPRESS = timedelta(hours=24)
"""A repeat of a closed alert inside this window only counts on it; after it, the alert opens again."""
DEFAULT_THRESHOLDS: dict[str, float] = {"shilling.features": 3.0, "kpi.stl_mad": 5.0}
STEP = 0.25
"""How far one false alarm raises its detector's threshold."""


class AlertRejected(MuseionError):
    """An alert, a state change or a threshold was refused; the message names the field."""


@dataclass(frozen=True)
class Raised:
    alert_id: int
    new: bool


def fingerprint(kind: str, detector: str, subject: str) -> str:
    return hashlib.blake2b(f"{kind}|{detector}|{subject}".encode(), digest_size=16).hexdigest()


def raise_alert(conn: Connection, *, kind: str, detector: str, severity: str, subject: str, summary: str,
                evidence: dict[str, Any], actor: str, simulated: bool = False) -> Raised:
    """Record an alert, or count a repeat on the open one with the same fingerprint (reopening a closed one after the
    suppression window)."""
    if kind not in ROUTES:
        raise AlertRejected("kind: %(kind)s is not one of %(known)s", kind=kind, known=", ".join(KINDS))
    if severity not in SEVERITIES:
        raise AlertRejected("severity: %(severity)s is not low, medium or high", severity=severity)
    now = utcnow()
    mark = fingerprint(kind, detector, subject)
    last = conn.execute(select(RiskAlert).where(RiskAlert.fingerprint == mark).order_by(RiskAlert.id.desc())
                        .limit(1)).first()
    if last is not None and (last.state in ("open", "acknowledged") or
                             (last.suppressed_until is not None and last.suppressed_until > now)):
        conn.execute(update(RiskAlert).where(RiskAlert.id == last.id).values(
            last_seen=now, count=RiskAlert.count + 1, evidence=evidence, severity=severity))
        _event(conn, last.id, "repeated", actor, details={"severity": severity})
        return Raised(last.id, False)
    alert_id = int(conn.execute(insert(RiskAlert).values(
        kind=kind, detector=detector, severity=severity, subject=subject[:256], summary=summary, evidence=evidence,
        fingerprint=mark, simulated=simulated, owner_role=ROUTES[kind], state="open", first_seen=now, last_seen=now,
        count=1)).inserted_primary_key[0])
    _event(conn, alert_id, "raised", actor, state_to="open", details={"simulated": simulated})
    chain.record(conn, actor=actor, action="risk.alert_raised", target=f"risk_alert:{alert_id}",
                 details={"kind": kind, "severity": severity, "simulated": simulated})
    return Raised(alert_id, True)


def transition(conn: Connection, alert_id: int, to: str, *, actor: str, why: str) -> dict[str, Any]:
    """Move an alert to state ``to`` saying why; a false alarm raises its detector's threshold by ``STEP``."""
    if to not in STATES:
        raise AlertRejected("state: %(state)s is not one of %(known)s", state=to, known=", ".join(STATES))
    if not why.strip():
        raise AlertRejected("why: say why the alert changes state")
    row = conn.execute(select(RiskAlert).where(RiskAlert.id == alert_id).with_for_update()).first()
    if row is None:
        raise NotFound("risk alert %(id)s does not exist", id=alert_id)
    if to not in MOVES[row.state]:
        raise Conflict("risk alert %(id)s is %(state)s and cannot become %(to)s", id=alert_id, state=row.state, to=to)
    now = utcnow()
    closing = to in ("resolved", "false_alarm")
    conn.execute(update(RiskAlert).where(RiskAlert.id == alert_id).values(
        state=to, state_by=actor, state_why=why, state_at=now, suppressed_until=now + SUPPRESS if closing else None))
    _event(conn, alert_id, to, actor, state_from=row.state, state_to=to, why=why)
    chain.record(conn, actor=actor, action=f"risk.alert_{to}", target=f"risk_alert:{alert_id}",
                 details={"from": row.state})
    if to == "false_alarm":
        quarantine.release(conn, actor=actor, alert_id=alert_id)  # the profiles were real members after all
        if row.detector in DEFAULT_THRESHOLDS:  # detectors with a tunable threshold (the misuse rules have fixed ones)
            set_threshold(conn, row.detector, threshold(conn, row.detector) + STEP, actor=actor,
                          reason=f"false alarm on alert {alert_id}", alert_id=alert_id)
    return get_alert(conn, alert_id)


def threshold(conn: Connection, detector: str) -> float:
    """The threshold in force for ``detector`` (its newest setting, else the default)."""
    value = conn.scalar(select(RiskThreshold.value).where(RiskThreshold.detector == detector)
                        .order_by(RiskThreshold.id.desc()).limit(1))
    return float(value) if value is not None else DEFAULT_THRESHOLDS.get(detector, 3.0)


def set_threshold(conn: Connection, detector: str, value: float, *, actor: str, reason: str,
                  alert_id: int | None = None) -> None:
    if detector not in DEFAULT_THRESHOLDS:
        raise AlertRejected("detector: %(detector)s is not one of %(known)s", detector=detector,
                            known=", ".join(DEFAULT_THRESHOLDS))
    if not 0 < value <= 50:
        raise AlertRejected("value: %(value)s must be above 0 and at most 50", value=value)
    conn.execute(insert(RiskThreshold).values(detector=detector, value=float(value), reason=reason, set_by=actor,
                                              alert_id=alert_id, set_at=utcnow()))
    chain.record(conn, actor=actor, action="risk.threshold_set", target=f"risk_detector:{detector}",
                 details={"value": float(value), "alert": alert_id})


def thresholds(conn: Connection) -> list[dict[str, Any]]:
    """Every detector's threshold in force and its history, newest first."""
    out = []
    for detector in DEFAULT_THRESHOLDS:
        history = conn.execute(select(RiskThreshold).where(RiskThreshold.detector == detector)
                               .order_by(RiskThreshold.id.desc())).all()
        out.append({"detector": detector, "value": threshold(conn, detector),
                    "default": DEFAULT_THRESHOLDS[detector],
                    "history": [{"value": h.value, "reason": h.reason, "set_by": h.set_by, "alert_id": h.alert_id,
                                 "set_at": h.set_at.isoformat()} for h in history]})
    return out


def list_alerts(conn: Connection, *, kind: str | None = None, state: str | None = None,
                severity: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = select(RiskAlert).order_by(RiskAlert.last_seen.desc(), RiskAlert.id.desc()).limit(limit)
    for column, value in ((RiskAlert.kind, kind), (RiskAlert.state, state), (RiskAlert.severity, severity)):
        if value:
            query = query.where(column == value)
    return [_as_dict(row) for row in conn.execute(query)]


def counts(conn: Connection) -> dict[str, int]:
    return {state: int(n) for state, n in conn.execute(select(RiskAlert.state, func.count()).group_by(RiskAlert.state))}


def get_alert(conn: Connection, alert_id: int) -> dict[str, Any]:
    row = conn.execute(select(RiskAlert).where(RiskAlert.id == alert_id)).first()
    if row is None:
        raise NotFound("risk alert %(id)s does not exist", id=alert_id)
    out = _as_dict(row)
    out["evidence"] = row.evidence
    out["history"] = [{"action": e.action, "actor": e.actor, "from": e.state_from, "to": e.state_to, "why": e.why,
                       "details": e.details, "at": e.at.isoformat()}
                      for e in conn.execute(select(RiskAlertEvent).where(RiskAlertEvent.alert_id == alert_id)
                                            .order_by(RiskAlertEvent.id))]
    return out


def record_delivery(conn: Connection, alert_id: int, *, channel: str, ok: bool, attempt: int, detail: str) -> None:
    """One delivery attempt (webhook or e-mail) on the alert's history."""
    _event(conn, alert_id, "delivered" if ok else "delivery_failed", f"risk.delivery.{channel}",
           details={"channel": channel, "attempt": attempt, "detail": detail[:500]})


def _event(conn: Connection, alert_id: int, action: str, actor: str, *, state_from: str | None = None,
           state_to: str | None = None, why: str | None = None, details: dict[str, Any] | None = None) -> None:
    conn.execute(insert(RiskAlertEvent).values(alert_id=alert_id, action=action, actor=actor, state_from=state_from,
                                               state_to=state_to, why=why, details=details or {}, at=utcnow()))


def _as_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "detector": row.detector, "severity": row.severity, "subject": row.subject,
            "summary": row.summary, "simulated": row.simulated, "owner_role": row.owner_role, "state": row.state,
            "state_by": row.state_by, "state_why": row.state_why,
            "state_at": row.state_at.isoformat() if row.state_at else None, "first_seen": row.first_seen.isoformat(),
            "last_seen": row.last_seen.isoformat(), "count": row.count}
