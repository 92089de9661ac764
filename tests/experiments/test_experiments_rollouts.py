"""Rollouts on real SQLite and PostgreSQL: refused without review or when overlapping, members routed by the sticky
hash (opted-out members on the deployed version), online metrics from served lists and later events, a guardrail
breach switching the candidate off with an alert, the decision deploying it, and every step in the public disclosure
and the filing pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import insert

from experiment_data import POLICY, Setup
from helpers import inspecting, member_id_for
from museion.errors import MuseionError
from museion.experiments import monitor, rollouts, stats
from museion.experiments.design import Plan
from museion.experiments.measure import measure_served
from museion.experiments.online import Cell
from museion.http.deps import ServedModel
from museion.privacy import experiment_choice
from museion.privacy.models import Event
from museion.recommend.training import train
from museion.registry import lifecycle
from museion.registry.disclosure import public_disclosure
from museion.registry.filing import pack_files
from museion.registry.rollouts import in_candidate_arm, running
from museion.risk.alerts import list_alerts
from museion.store.base import utcnow


def _start(s: Setup, **kw: object) -> int:
    with s.engine.begin() as conn:
        return rollouts.start(conn, s.home, s.candidate, actor="account:1", mode="ab", share=0.5, **kw)  # type: ignore[arg-type]


def test_a_rollout_needs_an_approved_candidate_and_refuses_to_overlap(setup: Setup, tmp_path: Path) -> None:
    draft = train(setup.engine, setup.home, "itemknn", source=None, actor="test", policy=POLICY)
    with setup.engine.begin() as conn, pytest.raises(rollouts.RolloutRefused, match="is draft: only a version the review"):
        rollouts.start(conn, setup.home, draft.id, actor="account:1")
    with setup.engine.begin() as conn, pytest.raises(rollouts.RolloutRefused, match="is the deployed version"):
        rollouts.start(conn, setup.home, setup.control, actor="account:1")
    with setup.engine.begin() as conn, pytest.raises(MuseionError, match="at most 0.2"):
        rollouts.start(conn, setup.home, setup.candidate, actor="account:1", mode="canary", share=0.5)
    rollout_id = _start(setup)
    with setup.engine.begin() as conn, pytest.raises(rollouts.RolloutRefused, match="already runs on the same members"):
        rollouts.start(conn, setup.home, setup.candidate, actor="account:1")
    with setup.engine.begin() as conn:
        rollouts.stop(conn, rollout_id, actor="account:1", reason="test over")
        assert running(conn) is None
        with pytest.raises(rollouts.RolloutRefused, match="stopped, not running"):
            rollouts.stop(conn, rollout_id, actor="account:1", reason="again")


def test_serving_routes_members_by_the_sticky_hash_and_opted_out_members_stay_on_the_deployed_version(setup: Setup) -> None:
    served = ServedModel(setup.engine, setup.home)
    assert {served.get(k).version.id for k in setup.keys} == {setup.control}
    rollout_id = _start(setup)
    with setup.engine.connect() as conn:
        salt = running(conn).salt  # type: ignore[union-attr]
    expected = {k: setup.candidate if in_candidate_arm(salt, 0.5, k) else setup.control for k in setup.keys}
    assert {k: served.get(k).version.id for k in setup.keys} == expected
    assert {k: served.get(k).version.id for k in setup.keys} == expected  # sticky
    assert 0 < sum(v == setup.candidate for v in expected.values()) < len(setup.keys)
    lucky = next(k for k, v in expected.items() if v == setup.candidate)
    listed = served.get(lucky).recommend(lucky, 5, actor="member")
    assert listed.model_version == setup.candidate
    with setup.engine.begin() as conn:
        experiment_choice.set_opt_out(conn, member_id_for(conn, lucky), True, actor="member")
    assert served.get(lucky).version.id == setup.control
    with setup.engine.begin() as conn:
        rollouts.stop(conn, rollout_id, actor="account:1", reason="done")
    assert {served.get(k).version.id for k in setup.keys} == {setup.control}
    assert served.get(None).version.id == setup.control


def test_online_metrics_come_from_served_lists_and_the_events_that_followed(setup: Setup) -> None:
    rollout_id = _start(setup)
    served = ServedModel(setup.engine, setup.home)
    missing = measure_served(setup.engine, setup.home, rollout_id, actor="test")
    assert missing["lists"] == 0 and "nothing to measure" in missing["reason"]
    lists = {k: served.get(k).recommend(k, 5, actor="member") for k in setup.keys}
    later = int(utcnow().timestamp()) + 60
    with setup.engine.begin() as conn, inspecting():
        for n, (key, shown) in enumerate(lists.items()):
            if n % 2 == 0 and shown.items:
                conn.execute(insert(Event).values(uid=f"exp-{n}".encode().ljust(16, b"-"), member_id=member_id_for(conn, key),
                                                  work_id=shown.items[0].work_id, kind="rating", value=5.0,
                                                  occurred_at=later))
    found = measure_served(setup.engine, setup.home, rollout_id, actor="test")
    assert found["lists"] == len(setup.keys) and found["attributed"] == (len(setup.keys) + 1) // 2
    with setup.engine.connect() as conn:
        cells = stats.cells(conn, rollout_id, "served")
        assessed = monitor.assess(conn, rollout_id)
    ctr = {c["version_id"]: c for c in cells if c["metric"] == "ctr"}
    assert sum(c["n"] for c in ctr.values()) == len(setup.keys)
    assert sum(c["total"] for c in ctr.values()) == found["attributed"]
    assert assessed["source"] == "served" and assessed["primary"]["curve"]


def test_a_breached_guardrail_switches_the_candidate_off_and_raises_an_alert(setup: Setup) -> None:
    rollout_id = _start(setup, plan=Plan(guardrails={"latency_ms": 5.0}))
    day = [Cell(setup.control, "2026-01-01", "latency_ms", "", 500, 500 * 20.0, 500 * 20.0**2 + 500 * 4.0),
           Cell(setup.candidate, "2026-01-01", "latency_ms", "", 500, 500 * 60.0, 500 * 60.0**2 + 500 * 4.0)]
    with setup.engine.begin() as conn:
        stats.replace_cells(conn, rollout_id, day, "simulated")
        found = monitor.enforce(conn, rollout_id, actor="test")
    assert found["stopped"] and found["breached"] == ["latency_ms"]
    with setup.engine.connect() as conn:
        assert running(conn) is None
        alert = list_alerts(conn, kind="experiment")[0]
        records = rollouts.listing(conn, setup.candidate)[0]["records"]
    assert alert["id"] == found["alert_id"] and alert["severity"] == "high" and f"rollout:{rollout_id}" == alert["subject"]
    assert [r["action"] for r in records] == ["started", "guardrail_breach"]


def test_shipping_deploys_the_candidate_and_the_records_reach_the_disclosure_and_the_filing_pack(setup: Setup) -> None:
    rollout_id = _start(setup)
    with setup.engine.begin() as conn:
        evidence = json.loads(json.dumps(monitor.assess(conn, rollout_id), default=str))
        with pytest.raises(MuseionError, match="not ship or keep"):
            rollouts.decide(conn, setup.home, rollout_id, "maybe", actor="account:1", reason="x", evidence={})
        replaced = rollouts.decide(conn, setup.home, rollout_id, "ship", actor="account:1", reason="better", evidence=evidence)
        assert replaced == setup.control and lifecycle.deployed_version_id(conn) == setup.candidate
        with pytest.raises(rollouts.RolloutRefused, match="already decided"):
            rollouts.decide(conn, setup.home, rollout_id, "keep", actor="account:1", reason="x", evidence={})
    with setup.engine.connect() as conn:
        disclosure = public_disclosure(conn, "zh-Hans", setup.home)
        files = pack_files(conn, setup.home, setup.control)
    assert disclosure["experiments"]["rollouts"][0]["decision"] == "ship" and "退出" in disclosure["experiments"]["notice"]
    filed = json.loads(files["rollouts.json"])
    assert filed[0]["decision"] == "ship" and filed[0]["evidence"]["plan"]["primary"] == "ctr"
    assert [r["action"] for r in filed[0]["records"]] == ["started", "stopped", "decided"]
    with setup.engine.connect() as conn:
        assert rollouts.listing(conn, setup.control)[0]["id"] == rollouts.listing(conn, setup.candidate)[0]["id"]


def test_replay_estimates_a_candidate_from_the_deployed_versions_served_lists(setup: Setup) -> None:
    from museion.experiments.offline import replay_served

    with pytest.raises(MuseionError, match="nothing to replay yet"):
        replay_served(setup.engine, setup.home, setup.candidate, actor="test")
    served = ServedModel(setup.engine, setup.home)
    lists = {k: served.get(k).recommend(k, 5, actor="member") for k in setup.keys}
    later = int(utcnow().timestamp()) + 60
    with setup.engine.begin() as conn, inspecting():
        for n, (key, shown) in enumerate(lists.items()):
            conn.execute(insert(Event).values(uid=f"rep-{n}".encode().ljust(16, b"-"), member_id=member_id_for(conn, key),
                                              work_id=shown.items[n % len(shown.items)].work_id, kind="view",
                                              occurred_at=later))
    found = replay_served(setup.engine, setup.home, setup.candidate, actor="test", k=5)
    assert found["lists"] == len(setup.keys) and found["logging_version_id"] == setup.control
    assert found["logged_clicks"] == pytest.approx(1.0)  # every list had one later view of one of its works
    assert 0 <= found["candidate_clicks"] and found["candidate_se"] >= 0 and 0 < found["overlap"] <= 1
    same = replay_served(setup.engine, setup.home, setup.control, actor="test", k=5)
    assert same["candidate_clicks"] == pytest.approx(same["logged_clicks"]) and same["overlap"] == 1.0
