"""Alert delivery against real local receivers: a webhook (pytest-httpserver) and an SMTP server (aiosmtpd) get the
drill's alert; a failing receiver is retried with backoff, every attempt is on the alert's history, and the alert is
never lost; a malformed routing file is refused with the field named."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from typer.testing import CliRunner

from museion.cli.main import app as cli
from museion.risk import alerts, delivery, detection


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _routing(home: Path, webhook: str, port: int, *, attempts: int = 3) -> None:
    (home / delivery.FILE).write_text(f"""
[smtp]
host = "127.0.0.1"
port = {port}
sender = "museion@test.invalid"
[retry]
attempts = {attempts}
backoff_seconds = 0
[[route]]
kinds = ["shilling"]
min_severity = "medium"
webhook = "{webhook}"
email = ["analyst@test.invalid"]
""", encoding="utf-8")


def test_a_drill_reaches_the_webhook_and_the_mailbox(museion_env: str, rated: Engine, httpserver: HTTPServer,
                                                    smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    from museion.config import get_settings

    inbox, port = smtp
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    get_settings().home.mkdir(parents=True, exist_ok=True)
    _routing(get_settings().home, httpserver.url_for("/hook"), port)
    drill = CliRunner().invoke(cli, ["risk", "simulate-attack", "--size", "0.1", "--filler", "0.05", "--seed", "2"])
    assert drill.exit_code == 0, drill.output
    [(request, _)] = httpserver.log
    body = request.get_json()
    assert body["kind"] == "shilling" and body["simulated"] and body["link"] == f"/risk/alerts/{body['id']}"
    [(to, message)] = inbox.messages
    assert to == ["analyst@test.invalid"] and "[Museion risk" in message["Subject"]
    assert f"/risk/alerts/{body['id']}" in message.get_payload()
    with rated.connect() as conn:
        history = alerts.get_alert(conn, body["id"])["history"]
    assert [(e["action"], e["details"].get("channel")) for e in history[1:]] == [("delivered", "webhook"),
                                                                                 ("delivered", "email")]


def test_failures_are_retried_with_backoff_recorded_and_never_lose_the_alert(rated: Engine, httpserver: HTTPServer,
                                                                             tmp_path: Path) -> None:
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    with socket.socket() as probe:  # a port nobody listens on: the mail server is down
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    _routing(tmp_path, httpserver.url_for("/hook"), dead, attempts=3)
    with rated.begin() as conn:
        raised = alerts.raise_alert(conn, kind="shilling", detector=detection.DETECTOR, severity="high",
                                    subject="work:1", summary="test", evidence={}, actor="test")
    waits: list[float] = []
    routing = delivery.load(tmp_path)
    routing = delivery.Routing(**{**routing.__dict__, "backoff": 0.5})
    done = delivery.deliver(rated, [raised.alert_id], routing, sleep=waits.append)
    assert done == {raised.alert_id: [("webhook", False), ("email", False)]}
    assert waits == [0.5, 1.0, 0.5, 1.0] and len(httpserver.log) == 3
    with rated.connect() as conn:
        alert = alerts.get_alert(conn, raised.alert_id)
    failed = [e for e in alert["history"] if e["action"] == "delivery_failed"]
    assert alert["state"] == "open" and len(failed) == 6
    assert failed[0]["details"]["detail"] == "DeliveryFailed: HTTP 503" and failed[0]["details"]["attempt"] == 1
    low = delivery.Route(("shilling",), "high")
    assert not low.matches({**alert, "severity": "medium"}) and low.matches(alert)


@pytest.mark.parametrize(("text", "field"), [
    ('[[route]]\nkinds = ["weather"]', "route[0].kinds"),
    ('[[route]]\nmin_severity = "extreme"', "route[0].min_severity"),
    ('[[route]]\nwebhook = "ftp://x"', "route[0].webhook"),
    ('[[route]]\nemail = ["not-an-address"]', "route[0].email"),
    ("[retry]\nattempts = 0", "retry.attempts"),
    ('[smtp]\nport = "x"', "smtp.port"),
    ("[smtp\n", "risk.toml"),
])
def test_malformed_routing_is_refused_with_the_field_named(tmp_path: Path, text: str, field: str) -> None:
    (tmp_path / delivery.FILE).write_text(text, encoding="utf-8")
    with pytest.raises(delivery.RoutingRejected, match="^" + re.escape(field)):
        delivery.load(tmp_path)
    assert delivery.load(tmp_path / "nowhere").routes == ()
