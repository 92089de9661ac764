"""Alerts as records and the attack drill over a store (SQLite and PostgreSQL): de-duplication, state changes with who
and why, false alarms raising the detector's threshold, refusals naming the field, and too little data refused."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, select

from museion.audit.models import AuditEntry
from museion.errors import Conflict, NotFound
from museion.risk import alerts, detection
from museion.risk.attacks import AttackRejected
from museion.risk.shilling import TooLittleData


def _raise(conn, subject: str = "work:1") -> alerts.Raised:  # type: ignore[no-untyped-def]
    return alerts.raise_alert(conn, kind="shilling", detector=detection.DETECTOR, severity="high", subject=subject,
                              summary="test", evidence={"profiles": 3}, actor="test")


def test_alerts_deduplicate_move_with_who_and_why_and_false_alarms_tune_the_threshold(engine: Engine) -> None:
    with engine.begin() as conn:
        first = _raise(conn)
        again = _raise(conn)
        other = _raise(conn, "work:2")
    assert first.new and not again.new and again.alert_id == first.alert_id and other.alert_id != first.alert_id
    with engine.begin() as conn:
        alert = alerts.get_alert(conn, first.alert_id)
        assert alert["count"] == 2 and alert["owner_role"] == "analyst" and alert["state"] == "open"
        done = alerts.transition(conn, first.alert_id, "acknowledged", actor="account:1", why="looking")
        assert done["state"] == "acknowledged" and done["state_by"] == "account:1" and done["state_why"] == "looking"
        alerts.transition(conn, first.alert_id, "resolved", actor="account:1", why="profiles removed")
        assert [e["action"] for e in alerts.get_alert(conn, first.alert_id)["history"]] == [
            "raised", "repeated", "acknowledged", "resolved"]
        assert not _raise(conn).new  # inside the suppression window a repeat only counts
        with pytest.raises(Conflict):
            alerts.transition(conn, first.alert_id, "acknowledged", actor="account:1", why="again")
        before = alerts.threshold(conn, detection.DETECTOR)
        alerts.transition(conn, other.alert_id, "false_alarm", actor="account:2", why="a real fan club")
        assert alerts.threshold(conn, detection.DETECTOR) == before + alerts.STEP
        tuned = next(t for t in alerts.thresholds(conn) if t["detector"] == detection.DETECTOR)
        assert tuned["history"][0]["alert_id"] == other.alert_id and tuned["history"][0]["set_by"] == "account:2"
        actions = set(conn.scalars(select(AuditEntry.action)))
        assert {"risk.alert_raised", "risk.alert_resolved", "risk.alert_false_alarm", "risk.threshold_set"} <= actions
        assert [a["id"] for a in alerts.list_alerts(conn, state="false_alarm")] == [other.alert_id]
        assert alerts.list_alerts(conn, kind="misuse") == []


def test_bad_input_is_refused_naming_the_field(engine: Engine) -> None:
    with engine.begin() as conn:
        for bad, field in (({"kind": "weather"}, "kind"), ({"severity": "huge"}, "severity")):
            args = {"kind": "shilling", "detector": "d", "severity": "low", "subject": "s", "summary": "x",
                    "evidence": {}, "actor": "test", **bad}
            with pytest.raises(alerts.AlertRejected, match=f"^{field}:"):
                alerts.raise_alert(conn, **args)
        with pytest.raises(alerts.AlertRejected, match="^value:"):
            alerts.set_threshold(conn, detection.DETECTOR, -1, actor="test", reason="x")
        with pytest.raises(alerts.AlertRejected, match="^detector:"):
            alerts.set_threshold(conn, "nope", 2, actor="test", reason="x")
        with pytest.raises(NotFound):
            alerts.transition(conn, 999, "resolved", actor="test", why="x")
        with pytest.raises(alerts.AlertRejected, match="^why:"):
            alerts.transition(conn, _raise(conn).alert_id, "resolved", actor="test", why=" ")


def test_a_drill_flags_the_injected_profiles_on_a_scratch_copy_and_leaves_the_store_alone(rated: Engine) -> None:
    with rated.begin() as conn:
        clean = detection.scan(conn, actor="test")
        assert clean.members == 200 and clean.alerts == []
        drill = detection.simulate_attack(conn, actor="test", kind="average", size=0.1, filler=0.05, seed=2)
    assert drill.simulated and drill.injected == 20 and drill.recall >= 0.5 and drill.precision >= 0.9
    with rated.begin() as conn:
        [alert] = alerts.list_alerts(conn)
        assert alert["simulated"] and alert["subject"].startswith("simulated:work:") and alert["kind"] == "shilling"
        evidence = alerts.get_alert(conn, alert["id"])["evidence"]
        assert evidence["drill"]["injected"] == 20 and evidence["top_profiles"][0]["member"].startswith("injected:")
        again = detection.scan(conn, actor="test")  # the injected profiles never reached the store
        assert again.members == 200 and again.ratings == clean.ratings
        with pytest.raises(AttackRejected, match="^size:"):
            detection.simulate_attack(conn, actor="test", size=0.5)


def test_too_little_data_is_said_and_raises_no_alert(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(TooLittleData, match="too little data"):
            detection.scan(conn, actor="test")
        assert alerts.list_alerts(conn) == []


def test_a_member_who_rated_a_work_twice_counts_with_the_latest_rating(rated: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    path = tmp_path / "again.csv"
    path.write_text("member,work,kind,value,timestamp\nm0,w299,rating,1.0,1600000000\nm0,w299,rating,4.5,1700000000\n",
                    encoding="utf-8")
    import_file(rated, ColumnMapping("events", source="gen"), path, keep_member_ids=True)
    with rated.begin() as conn:
        ratings = detection.read_ratings(conn, actor="test")
    column = int(np.flatnonzero(ratings.work_ids == ratings.work_ids.max())[0])
    assert ratings.matrix.data.max() <= 5.0
    assert 4.5 in ratings.matrix[:, column].toarray().ravel() and 5.5 not in ratings.matrix.data
