"""Live latency and errors on the real serving path: members' list requests through the app are counted per version
in memory (no database write per request), flushed to the rollout's statistics as served traffic, and the error-rate
guardrail stops the candidate when it fails, after which its members are served the deployed version again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from experiment_data import Setup
from helpers import auth_headers
from museion.experiments import live, rollouts, stats
from museion.experiments.design import Plan
from museion.experiments.measure import measure_served
from museion.registry.rollouts import in_candidate_arm
from museion.server import create_app


@pytest.fixture
def client(setup: Setup) -> Iterator[TestClient]:
    with TestClient(create_app(setup.engine, setup.home), raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def _start(setup: Setup, plan: Plan | None = None) -> Any:
    with setup.engine.begin() as conn:
        rollout_id = rollouts.start(conn, setup.home, setup.candidate, actor="test", mode="ab", share=0.5, plan=plan)
        return rollouts.get(conn, rollout_id)


def _ask_every_member(client: TestClient, setup: Setup) -> list[int]:
    admin = auth_headers(setup.engine, "admin")
    return [client.get(f"/api/members/{key}/recommendations", headers=admin).status_code for key in setup.keys]


def test_served_requests_are_counted_per_version_and_flushed_as_served_traffic(client: TestClient, setup: Setup) -> None:
    rollout = _start(setup)
    model = client.app.state.served_model  # type: ignore[attr-defined]
    assert _ask_every_member(client, setup) == [200] * len(setup.keys)
    with setup.engine.connect() as conn:
        assert stats.cells(conn, rollout.id) == []  # nothing written on the request path
    assert model.live.flush(setup.engine) == []
    with setup.engine.connect() as conn:
        cells = stats.cells(conn, rollout.id, "served")
    on_candidate = sum(in_candidate_arm(rollout.salt, rollout.share, key) for key in setup.keys)
    requests = {c["version_id"]: c["n"] for c in cells if c["metric"] == "error_rate"}
    assert requests == {setup.candidate: on_candidate, setup.control: len(setup.keys) - on_candidate}
    assert all(c["total"] == 0 for c in cells if c["metric"] == "error_rate")
    assert all(c["total"] > 0 and c["total_sq"] >= c["total"] ** 2 / c["n"] for c in cells if c["metric"] == "latency_ms")
    _ask_every_member(client, setup)
    model.live.flush(setup.engine)  # a second flush adds to the same day's cells
    with setup.engine.connect() as conn:
        again = {c["version_id"]: c["n"] for c in stats.cells(conn, rollout.id, "served") if c["metric"] == "error_rate"}
        assert again == {v: 2 * n for v, n in requests.items()}
    measure_served(setup.engine, setup.home, rollout.id, actor="test")  # recomputing attribution keeps the live cells
    with setup.engine.connect() as conn:
        assert {c["metric"] for c in stats.cells(conn, rollout.id, "served")} >= set(live.LIVE_METRICS)


def test_an_opted_out_member_is_not_counted(client: TestClient, setup: Setup) -> None:
    rollout = _start(setup)
    member = setup.keys[0]
    own = auth_headers(setup.engine, member=member)
    assert client.put(f"/api/members/{member}/experiments", json={"opted_out": True}, headers=own).status_code == 200
    assert client.get(f"/api/members/{member}/recommendations", headers=own).status_code == 200
    client.app.state.served_model.live.flush(setup.engine)  # type: ignore[attr-defined]
    with setup.engine.connect() as conn:
        assert stats.cells(conn, rollout.id) == []


def test_a_failing_candidate_breaches_the_error_guardrail_and_is_switched_off(client: TestClient, setup: Setup,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rollout = _start(setup, Plan(guardrails={"error_rate": 0.05}))
    model = client.app.state.served_model  # type: ignore[attr-defined]
    _ask_every_member(client, setup)  # loads both versions
    candidate = model._loaded[setup.candidate]

    def broken(*_: Any, **__: Any) -> Any:  # fault injection: the candidate's serving fails (e.g. a corrupt index)
        raise RuntimeError("injected serving failure")

    monkeypatch.setattr(candidate, "recommend", broken)
    for _ in range(3):
        codes = _ask_every_member(client, setup)
    on_candidate = [in_candidate_arm(rollout.salt, rollout.share, key) for key in setup.keys]
    assert codes == [500 if c else 200 for c in on_candidate]
    assert model.live.flush(setup.engine) == [rollout.id]
    admin = auth_headers(setup.engine, "admin")
    seen = client.get(f"/api/experiments/rollouts/{rollout.id}", headers=admin).json()
    assert seen["rollout"]["state"] == "stopped" and seen["source"] == "served" and "error_rate" in seen["breached"]
    alerts = client.get("/api/risk/alerts", params={"kind": "experiment"}, headers=admin).json()
    assert any(a["subject"] == f"rollout:{rollout.id}" for a in (alerts["alerts"] if isinstance(alerts, dict) else alerts))
    assert _ask_every_member(client, setup) == [200] * len(setup.keys)  # every member on the deployed version again
    page = client.get(f"/experiments/{rollout.id}", headers=admin).text
    assert 'id="rollout-breach"' in page and "error rate" in page
