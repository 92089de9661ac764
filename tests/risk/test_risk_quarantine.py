"""Quarantine end to end (SQLite and PostgreSQL): fake profiles written into a test store are found by a real scan,
proposed for quarantine to the privacy officer, left out of personalisation reads once accepted (never deleted), and
released when the alert is marked a false alarm."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select

from museion.collab.models import Proposal
from museion.collab.queue import outcomes
from museion.collab.review import Reviewer, decide
from museion.http import proposers  # noqa: F401  (registers the decision handlers, as the faces do)
from museion.privacy import gate, quarantine
from museion.privacy.consent import grant_to_undecided
from museion.risk import alerts, detection
from museion.security.auth import create_account

from risk_data import injected_events


def test_scan_proposes_quarantine_which_leaves_profiles_out_of_training_until_released(rated: Engine,
                                                                                         tmp_path: Path) -> None:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    path = tmp_path / "injected.csv"
    path.write_text(injected_events(), encoding="utf-8")
    import_file(rated, ColumnMapping("events", source="gen"), path, keep_member_ids=True)
    with rated.begin() as conn:
        grant_to_undecided(conn, "gen", gate.PERSONALISATION, notice_version="test", channel="test", actor="test")
        found = detection.scan(conn, actor="test")
        assert found.members == 220 and found.flagged >= 15 and len(found.alerts) == 1
        officer = Reviewer(create_account(conn, "officer", "privacy_officer", actor="test"), "privacy_officer")
    [alert_id] = found.alerts
    with rated.begin() as conn:
        before = gate.read_activity(conn, purpose=gate.PERSONALISATION, actor="test")
        proposal = conn.scalar(select(Proposal.id).where(Proposal.kind == detection.QUARANTINE))
        decide(conn, officer, proposal, "accept", reason="fake profiles")
        assert [o.decision for o in outcomes(conn, detection.QUARANTINE)] == ["accept"]
    with rated.begin() as conn:
        after = gate.read_activity(conn, purpose=gate.PERSONALISATION, actor="test")
        integrity = gate.read_activity(conn, purpose="integrity", actor="test")
        assert quarantine.summary(conn)["active"] >= 15
        dropped = len(np.unique(before.member_ids)) - len(np.unique(after.member_ids))
        assert dropped == quarantine.summary(conn)["active"]
        assert len(integrity) == len(before)  # never deleted: the detector still sees every rating
        suspect = int(np.setdiff1d(before.member_ids, after.member_ids)[0])
        [held] = quarantine.of_member(conn, suspect)  # the member's own copy of their data says so
        assert held["decision"] == proposal and held["released_at"] is None and str(alert_id) in held["reason"]
        alerts.transition(conn, alert_id, "false_alarm", actor=officer.actor, why="a real fan club after all")
    with rated.begin() as conn:
        assert quarantine.summary(conn)["active"] == 0
        assert len(gate.read_activity(conn, purpose=gate.PERSONALISATION, actor="test")) == len(before)
        assert quarantine.of_member(conn, suspect)[0]["released_at"] is not None
