"""Fairness drift alerts: the pure detector and learned tolerances, and the loop through the queue — an accepted alert
opens the deployed version's re-review, false alarms raise the tolerance so the same change no longer alerts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from helpers import approve_and_deploy, auth_headers, import_views
from museion.collab.queue import outcomes, proposal_row
from museion.collab.review import Reviewer, decide
from museion.fairness.alerts import propose_drift_alerts, tolerances
from museion.fairness.drift import BASE_TOLERANCE, drifts, learned_tolerance
from museion.recommend.training import train
from museion.registry.cards import get_version
from museion.registry.models import FairnessAudit
from museion.security.auth import create_account
from museion.server import create_app


def test_only_figures_that_worsened_beyond_the_tolerance_alert() -> None:
    before = {"head_tail_exposure_gap": 0.30, "exposure_gini": 0.50, "long_tail_share": 0.20, "ndcg@10": 0.1}
    after = {"head_tail_exposure_gap": 0.40, "exposure_gini": 0.45, "long_tail_share": 0.19, "ndcg@10": 0.5}
    found = drifts(before, after, {})
    assert [(d.figure, round(d.worsened_by, 6)) for d in found] == [("head_tail_exposure_gap", 0.1)]
    assert drifts(before, after, {"head_tail_exposure_gap": 0.2}) == []
    assert drifts({}, after, {}) == []


def test_learned_tolerance_separates_real_drift_from_false_alarms() -> None:
    assert learned_tolerance([]) == BASE_TOLERANCE
    judged = [(0.03, False), (0.04, False), (0.05, False), (0.12, True), (0.2, True)]
    cut = learned_tolerance(judged)
    assert 0.05 <= cut < 0.12
    assert learned_tolerance([(0.5, True)]) == BASE_TOLERANCE  # real drift never raises it


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), max_size=30))
def test_learned_tolerance_is_never_below_the_base(judged: list[tuple[float, bool]]) -> None:
    assert learned_tolerance(judged) >= BASE_TOLERANCE


@pytest.fixture
def deployed(engine: Engine, tmp_path: Path) -> int:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    version = train(engine, home, "itemknn", source="t", actor="t").id
    approve_and_deploy(engine, home, version)
    return version


def _audit(engine: Engine, version: int, gap: float) -> list[int]:
    """Store a served-scope audit with this head–tail gap and queue whatever drift it shows."""
    summary = {"head_tail_exposure_gap": gap, "exposure_gini": 0.5, "long_tail_share": 0.2}
    with engine.begin() as conn:
        audit_id = conn.execute(insert(FairnessAudit).values(model_version_id=version, scope="served", groups={}, metrics={},
                                                             created_by="test", summary=summary).returning(FairnessAudit.id)).scalar_one()
        return propose_drift_alerts(conn, version, audit_id, "served", summary)


def test_accepted_alerts_reopen_review_and_false_alarms_raise_the_tolerance(engine: Engine, deployed: int) -> None:
    with engine.begin() as conn:
        analyst = Reviewer(create_account(conn, "ana", "analyst", actor="test"), "analyst")
    assert _audit(engine, deployed, 0.30) == []  # nothing to compare with
    first, = _audit(engine, deployed, 0.34)  # +0.04: an alert
    with engine.connect() as conn:
        alert = proposal_row(conn, first)
    assert (alert.kind, alert.payload["figure"], alert.decider) == ("risk.alert", "head_tail_exposure_gap", "analyst")
    with engine.begin() as conn:
        decide(conn, analyst, first, "reject", reason="seasonal: the summer list is always more popular")
        assert tolerances(conn)["head_tail_exposure_gap"] >= 0.04  # learned from the false alarm
    assert _audit(engine, deployed, 0.38) == []  # the same +0.04 again: known to be harmless
    real, = _audit(engine, deployed, 0.60)  # +0.22: real drift
    with engine.begin() as conn:
        assert get_version(conn, deployed).review_open is False
        decide(conn, analyst, real, "accept")
        assert get_version(conn, deployed).review_open is True  # the review board looks again
        assert [o.decision for o in outcomes(conn, "risk.alert")] == ["reject", "accept"]


def test_the_version_page_shows_how_people_decided_its_proposals(engine: Engine, deployed: int, tmp_path: Path) -> None:
    with engine.begin() as conn:
        analyst = Reviewer(create_account(conn, "ana", "analyst", actor="test"), "analyst")
    _audit(engine, deployed, 0.30)
    alert, = _audit(engine, deployed, 0.50)
    with engine.begin() as conn:
        decide(conn, analyst, alert, "accept")
    with TestClient(create_app(engine, tmp_path / "home")) as client:
        admin = auth_headers(engine, "admin")
        page = client.get(f"/models/{deployed}?lang=en", headers=admin).text
        assert "How people decided this version" in page and "<code>risk.alert</code>" in page and "100%" in page
        assert "人们如何决定此版本提出的提议" in client.get(f"/models/{deployed}?lang=zh-Hans", headers=admin).text
        assert client.get("/models/999999", headers=admin).status_code == 404
        assert client.get(f"/models/{deployed}", headers=auth_headers(engine, "curator")).status_code == 403
