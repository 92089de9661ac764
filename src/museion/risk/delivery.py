"""Alert delivery (service): each new alert goes to the webhooks and e-mail addresses its routing rules name, with
retries and exponential backoff; every attempt, failed or not, is recorded on the alert's history, and a failure never
touches the alert itself (it stays in the store and on /risk/alerts whatever the network does).

Routing lives in ``MUSEION_HOME/risk.toml``::

    [smtp]
    host = "mail.example.org"   # port = 25, sender = "museion@localhost", starttls = false, user, password
    [retry]
    attempts = 3                # per channel; backoff_seconds = 1.0, doubled after each failure
    [[route]]
    kinds = ["shilling", "misuse"]   # or ["*"]
    min_severity = "medium"
    webhook = "https://hooks.example.org/museion"
    email = ["security@example.org"]

A malformed file is refused with the field named (``RoutingRejected``).
"""

from __future__ import annotations

import smtplib
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from museion.errors import MuseionError
from museion.risk import alerts
from museion.risk.models import SEVERITIES

FILE = "risk.toml"


class RoutingRejected(MuseionError):
    """The routing file is malformed; the message names the field."""


@dataclass(frozen=True)
class Route:
    kinds: tuple[str, ...]
    min_severity: str = "low"
    webhook: str | None = None
    email: tuple[str, ...] = ()

    def matches(self, alert: dict[str, Any]) -> bool:
        return (("*" in self.kinds or alert["kind"] in self.kinds)
                and SEVERITIES.index(alert["severity"]) >= SEVERITIES.index(self.min_severity))


@dataclass(frozen=True)
class Routing:
    routes: tuple[Route, ...] = ()
    smtp_host: str = "localhost"
    smtp_port: int = 25
    sender: str = "museion@localhost"
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    attempts: int = 3
    backoff: float = 1.0
    timeout: float = 10.0
    extra_headers: dict[str, str] = field(default_factory=dict)


def parse(data: dict[str, Any]) -> Routing:
    """Routing from the parsed TOML, refusing a bad field by name."""
    smtp, retry = data.get("smtp", {}), data.get("retry", {})
    if not isinstance(smtp, dict) or not isinstance(retry, dict):
        raise RoutingRejected("smtp and retry must be tables")
    routes = []
    for n, raw in enumerate(data.get("route", [])):
        where = f"route[{n}]"
        kinds = raw.get("kinds", ["*"])
        if not isinstance(kinds, list) or not all(k == "*" or k in alerts.KINDS for k in kinds):
            raise RoutingRejected("%(where)s.kinds: use * or some of %(known)s", where=where, known=", ".join(alerts.KINDS))
        severity = raw.get("min_severity", "low")
        if severity not in SEVERITIES:
            raise RoutingRejected("%(where)s.min_severity: %(value)s is not low, medium or high", where=where,
                                  value=severity)
        webhook = raw.get("webhook")
        if webhook is not None and (not isinstance(webhook, str) or not webhook.startswith(("http://", "https://"))):
            raise RoutingRejected("%(where)s.webhook: an http:// or https:// address is needed", where=where)
        email = raw.get("email", [])
        if isinstance(email, str):
            email = [email]
        if not isinstance(email, list) or not all(isinstance(a, str) and "@" in a for a in email):
            raise RoutingRejected("%(where)s.email: a list of e-mail addresses is needed", where=where)
        routes.append(Route(tuple(kinds), severity, webhook, tuple(email)))
    attempts, backoff, port = retry.get("attempts", 3), retry.get("backoff_seconds", 1.0), smtp.get("port", 25)
    if not isinstance(attempts, int) or not 1 <= attempts <= 10:
        raise RoutingRejected("retry.attempts: a whole number from 1 to 10 is needed")
    if not isinstance(backoff, int | float) or not 0 <= backoff <= 300:
        raise RoutingRejected("retry.backoff_seconds: a number of seconds from 0 to 300 is needed")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise RoutingRejected("smtp.port: a port number is needed")
    return Routing(tuple(routes), str(smtp.get("host", "localhost")), port, str(smtp.get("sender", "museion@localhost")),
                   bool(smtp.get("starttls", False)), smtp.get("user"), smtp.get("password"), attempts, float(backoff))


def load(home: Path) -> Routing:
    """The routing of ``home/risk.toml`` (no file: no routes, nothing delivered)."""
    path = home / FILE
    if not path.exists():
        return Routing()
    try:
        return parse(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise RoutingRejected("%(file)s: %(problem)s", file=FILE, problem=str(exc)) from None


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    """What a webhook receives (and an e-mail summarises): the alert without its full history."""
    keep = ("id", "kind", "detector", "severity", "subject", "summary", "simulated", "owner_role", "state",
            "first_seen", "last_seen", "count")
    return {**{k: alert[k] for k in keep}, "link": f"/risk/alerts/{alert['id']}"}


def deliver(engine: Engine, alert_ids: Sequence[int], routing: Routing, *,
            sleep: Callable[[float], None] = time.sleep) -> dict[int, list[tuple[str, bool]]]:
    """Deliver each alert on every matching route; returns alert → [(channel, delivered?)]."""
    done: dict[int, list[tuple[str, bool]]] = {}
    for alert_id in alert_ids:
        with engine.connect() as conn:
            alert = alerts.get_alert(conn, alert_id)
        for route in (r for r in routing.routes if r.matches(alert)):
            if route.webhook:
                ok = _retrying(engine, alert_id, "webhook", lambda r=route: _post(r.webhook, alert, routing), routing, sleep)
                done.setdefault(alert_id, []).append(("webhook", ok))
            if route.email:
                ok = _retrying(engine, alert_id, "email", lambda r=route: _mail(r.email, alert, routing), routing, sleep)
                done.setdefault(alert_id, []).append(("email", ok))
    return done


def _retrying(engine: Engine, alert_id: int, channel: str, send: Callable[[], str], routing: Routing,
              sleep: Callable[[float], None]) -> bool:
    """Try ``send`` up to ``attempts`` times, doubling the wait; record every attempt in its own transaction."""
    for attempt in range(1, routing.attempts + 1):
        try:
            detail, ok = send(), True
        except (httpx.HTTPError, smtplib.SMTPException, OSError, DeliveryFailed) as exc:
            detail, ok = f"{type(exc).__name__}: {exc}", False
        with engine.begin() as conn:
            alerts.record_delivery(conn, alert_id, channel=channel, ok=ok, attempt=attempt, detail=detail)
        if ok:
            return True
        if attempt < routing.attempts:
            sleep(routing.backoff * 2 ** (attempt - 1))
    return False


class DeliveryFailed(Exception):
    """A receiver answered, but not with success."""


def _post(url: str | None, alert: dict[str, Any], routing: Routing) -> str:
    response = httpx.post(str(url), json=payload(alert), timeout=routing.timeout,
                          headers={"user-agent": "museion-risk", **routing.extra_headers})
    if response.status_code >= 300:
        raise DeliveryFailed(f"HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def _mail(to: Sequence[str], alert: dict[str, Any], routing: Routing) -> str:
    message = EmailMessage()
    message["From"], message["To"] = routing.sender, ", ".join(to)
    message["Subject"] = f"[Museion risk · {alert['severity']}] {alert['summary'][:120]}"
    body = payload(alert)
    message.set_content("\n".join(f"{k}: {v}" for k, v in body.items()))
    with smtplib.SMTP(routing.smtp_host, routing.smtp_port, timeout=routing.timeout) as smtp:
        if routing.starttls:
            smtp.starttls()
        if routing.user:
            smtp.login(routing.user, routing.password or "")
        smtp.send_message(message)
    return f"sent to {len(to)} address(es)"
