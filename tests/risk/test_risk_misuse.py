"""Misuse signals: the pure burst and over-read rules, and the service over a store (SQLite and PostgreSQL) raising
alerts for a burst of failed sign-ins and an actor reading far more than its history, routed to the privacy officer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, insert

from museion.audit import chain
from museion.privacy.models import AccessRecord
from museion.risk import alerts, misuse, misuse_scan
from museion.store.base import utcnow


def test_bursts_need_the_limit_inside_the_window() -> None:
    found = misuse.bursts({"a": [0, 10, 20] + [1000 + s for s in range(10)], "b": [0, 700, 1400, 2100] * 3})
    assert [(b.key, b.failures, b.start, b.end) for b in found] == [("a", 10, 1000.0, 1009.0)]
    assert misuse.bursts({"a": list(range(9))}) == []


def test_overreads_compare_an_actor_with_its_own_history() -> None:
    usual = {f"2026-11-0{d}": 100 for d in range(1, 6)}
    found = misuse.overreads({"a": {**usual, "2026-11-09": 5000}, "b": {**usual, "2026-11-09": 900},
                              "new": {"2026-11-09": 50_000}})
    assert [(o.actor, o.rows, o.usual) for o in found] == [("a", 5000, 100.0)]


def test_scan_raises_misuse_alerts_for_the_privacy_officer(engine: Engine) -> None:
    now = utcnow()
    with engine.begin() as conn:
        for _ in range(12):
            chain.record(conn, actor="anonymous", action="auth.login_failed", target="name:abc")
        conn.execute(insert(AccessRecord), [
            {"actor": "account:7", "purpose": "analytics", "categories": ["activity"], "rows": rows, "members": 5,
             "details": {}, "at": now - timedelta(days=days)} for days, rows in ((4, 100), (3, 120), (2, 90), (1, 110))]
            + [{"actor": "account:7", "purpose": "analytics", "categories": ["activity"], "rows": 20_000, "members": 5,
                "details": {}, "at": now}])
        raised = misuse_scan.scan(conn, actor="test")
        found = [alerts.get_alert(conn, a) for a in raised]
        assert alerts.transition(conn, raised[0], "false_alarm", actor="test", why="a load test")["state"] == "false_alarm"
    assert sorted(a["detector"] for a in found) == [misuse_scan.DETECTOR_READS, misuse_scan.DETECTOR_SIGNIN]
    assert all(a["kind"] == "misuse" and a["owner_role"] == "privacy_officer" for a in found)
    reads = next(a for a in found if a["detector"] == misuse_scan.DETECTOR_READS)
    assert reads["evidence"]["rows"] == 20_000 and reads["evidence"]["usual"] == 105.0
