"""Rollouts from their three faces: the API (start refused without review, start, verdicts, stop, decision, jobs,
opt-out), the web pages in English and Chinese (list, rollout page with curves, member switch, model page link) and
the command line; simulated traffic as a job fills the statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from experiment_data import Setup
from helpers import auth_headers, job_outcome
from museion.cli.main import app as cli
from museion.experiments import stats
from museion.experiments.simulate import simulate
from museion.server import create_app


@pytest.fixture
def client(setup: Setup) -> Iterator[TestClient]:
    with TestClient(create_app(setup.engine, setup.home), raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_api_starts_reads_stops_and_decides_a_rollout(client: TestClient, setup: Setup) -> None:
    admin, reviewer = auth_headers(setup.engine, "admin"), auth_headers(setup.engine, "algorithm_reviewer")
    body = {"version_id": setup.candidate, "mode": "ab", "share": 0.5}
    analyst = client.post("/api/experiments/rollouts", json=body, headers=auth_headers(setup.engine, "analyst"))
    assert analyst.status_code == 403 and "experiments:run" in analyst.json()["detail"]
    assert client.post("/api/experiments/rollouts", json={**body, "share": 1.5}, headers=admin).status_code == 422
    unreviewed = client.post("/api/experiments/rollouts", json={**body, "version_id": setup.control}, headers=admin)
    assert unreviewed.status_code == 409 and "deployed version" in unreviewed.json()["detail"]
    started = client.post("/api/experiments/rollouts", json=body, headers=reviewer)  # the review board starts rollouts
    assert started.status_code == 201, started.text
    rollout = started.json()["id"]
    overlap = client.post("/api/experiments/rollouts", json=body, headers=admin)
    assert overlap.status_code == 409 and "same members" in overlap.json()["detail"]
    seen = client.get(f"/api/experiments/rollouts/{rollout}", headers=reviewer).json()
    assert seen["primary"]["status"] == "no_data" and seen["source"] is None and "salt" not in seen["rollout"]
    measured = job_outcome(client, client.post(f"/api/experiments/rollouts/{rollout}/measurements", headers=admin), admin)
    assert measured["status"] == "succeeded" and measured["result"]["lists"] == 0
    assert measured["links"]["web"] == f"/experiments/{rollout}"
    assert client.get("/api/experiments/sample-size", params={"effect": 0.02}, headers=reviewer).json()["fixed_per_arm"] > 0
    ship = client.post(f"/api/experiments/rollouts/{rollout}/decision", json={"decision": "ship", "reason": "better"},
                       headers=reviewer)  # shipping deploys: the deployment gate's act, not one reviewer's
    assert ship.status_code == 403 and "models:deploy" in ship.json()["detail"]
    decided = client.post(f"/api/experiments/rollouts/{rollout}/decision", json={"decision": "keep", "reason": "no gain"},
                          headers=reviewer)
    assert decided.status_code == 200 and decided.json()["replaced_version_id"] is None
    listed = client.get("/api/experiments/rollouts", params={"version": setup.candidate}, headers=reviewer).json()
    assert [r["action"] for r in listed[0]["records"]] == ["started", "stopped", "decided"]
    member = setup.keys[0]
    own = auth_headers(setup.engine, member=member)
    assert client.put(f"/api/members/{member}/experiments", json={"opted_out": True}, headers=own).json()["opted_out"]
    assert client.get(f"/api/members/{member}/experiments", headers=own).json()["opted_out"] is True
    assert client.get(f"/api/members/{setup.keys[1]}/experiments", headers=own).status_code == 403


def test_simulated_traffic_fills_the_statistics_labelled_simulated(setup: Setup) -> None:
    from museion.experiments import rollouts

    with setup.engine.begin() as conn:
        rollout = rollouts.start(conn, setup.home, setup.candidate, actor="test", mode="ab", share=0.5)
    found = simulate(setup.engine, setup.home, rollout, actor="test", members=40, days=3, source=None, kinds=None)
    assert found["simulated"] and found["members"] > 10 and 1 <= found["days"] <= 3
    with setup.engine.connect() as conn:
        cells = stats.cells(conn, rollout, "simulated")
        assert rollouts.get(conn, rollout).simulated
    assert {c["version_id"] for c in cells if c["metric"] == "latency_ms"} == {setup.control, setup.candidate}
    last = max(c["day"] for c in cells)
    assert sum(c["n"] for c in cells if c["metric"] == "ctr" and c["day"] == last) == found["members"]  # one each
    requests = sum(c["n"] for c in cells if c["metric"] == "latency_ms" and c["day"] == last)
    assert requests == found["members"] * found["days"]
    if found["stopped"]:  # the popularity candidate's lists lean on the head: a guardrail may switch it off early
        assert found["breached"] and found["alert_id"] and found["days"] < 3 or found["days"] == 3
    else:
        with setup.engine.begin() as conn:
            rollouts.stop(conn, rollout, actor="test", reason="over")
    with pytest.raises(Exception, match="only runs on a running rollout"):
        simulate(setup.engine, setup.home, rollout, actor="test", members=10, days=1, source=None, kinds=None)


def test_web_pages_in_both_languages_and_the_member_switch(client: TestClient, setup: Setup) -> None:
    admin = auth_headers(setup.engine, "admin")
    page = client.get("/experiments", headers=admin).text
    assert 'id="rollout-start"' in page and "No rollouts yet." in page
    refused = client.post("/experiments", data={"version_id": setup.control, "mode": "canary", "share": 0.05}, headers=admin)
    assert refused.status_code == 409 and "deployed version" in refused.text
    started = client.post("/experiments", data={"version_id": setup.candidate, "mode": "canary", "share": 0.1}, headers=admin)
    assert started.status_code == 303
    url = started.headers["location"]
    with setup.engine.begin() as conn:
        from museion.experiments.online import Cell
        stats.replace_cells(conn, int(url.rsplit("/", 1)[1]), [
            Cell(v, f"2026-01-0{d}", "ctr", "", 100 * d, float(t * d), float(t * d)) for d in (1, 2) for v, t in
            ((setup.control, 10), (setup.candidate, 12))], "simulated")
    detail = client.get(url, headers=admin).text
    assert 'id="rollout-verdicts"' in detail and 'data-chart="data-rollout-1"' in detail and 'id="rollout-stop"' in detail
    zh = client.get(url, params={"lang": "zh-Hans"}, headers=admin).text
    assert "Verdicts" not in zh and "Records" not in zh
    assert 'id="rollout-stop"' not in client.get(url, headers=auth_headers(setup.engine, "auditor")).text
    stopped = client.post(url + "/stop", data={"reason": "enough"}, headers=admin)
    assert stopped.status_code == 303 and "enough" in client.get(url, headers=admin).text
    again = client.post(url + "/stop", data={"reason": "again"}, headers=admin)
    assert again.status_code == 409 and "未在运行" in again.text  # the page's language sticks (a cookie)
    model = client.get(f"/models/{setup.candidate}", params={"lang": "en"}, headers=admin).text
    assert f'href="/experiments?version={setup.candidate}"' in model and 'id="model-rollouts"' in model
    member = setup.keys[0]
    own = auth_headers(setup.engine, member=member)
    assert "Opt out of experiments" in client.get(f"/members/{member}/privacy", headers=own).text
    switched = client.post(f"/members/{member}/experiments", data={"out": "true"}, headers=own)
    assert switched.status_code == 303
    assert "Take part in experiments again" in client.get(f"/members/{member}/privacy", headers=own).text
    assert "退出" in client.get(f"/members/{member}/privacy", params={"lang": "zh-Hans"}, headers=own).text


def test_cli_plans_starts_shows_and_stops(museion_env: str, setup: Setup) -> None:
    runner = CliRunner()
    plan = runner.invoke(cli, ["experiment", "plan", "--effect", "0.02"])
    assert plan.exit_code == 0 and json.loads(plan.output)["sequential_per_arm"] > json.loads(plan.output)["fixed_per_arm"]
    refused = runner.invoke(cli, ["experiment", "start", str(setup.control)])
    assert refused.exit_code == 1 and "deployed version" in refused.output
    bad = runner.invoke(cli, ["experiment", "start", str(setup.candidate), "--plan", '{"primary": "novelty"}'])
    assert bad.exit_code == 1 and "primary" in bad.output
    started = runner.invoke(cli, ["experiment", "start", str(setup.candidate), "--share", "0.1"])
    assert started.exit_code == 0, started.output
    status = runner.invoke(cli, ["experiment", "status", "1"])
    assert status.exit_code == 0 and "no_data" in status.output
    listed = json.loads(runner.invoke(cli, ["experiment", "list", "--json"]).output)
    assert listed[0]["state"] == "running"
    assert runner.invoke(cli, ["experiment", "stop", "1", "--reason", "done"]).exit_code == 0
    assert "stopped" in runner.invoke(cli, ["experiment", "list"]).output
