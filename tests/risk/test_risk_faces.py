"""Risk alerts from their three faces over the generated audience of tests/risk/conftest.py: the API (a drill as a job,
alerts listed, filtered and moved with a reason), the web pages in English and Chinese (filters, evidence chart,
transition form) and the command line (`museion risk …` with --json)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, job_outcome
from museion.cli.main import app as cli
from museion.server import create_app

DRILL = {"simulate": True, "type": "average", "size": 0.1, "filler": 0.05, "seed": 2}


@pytest.fixture
def client(rated: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(rated), raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_api_drill_alerts_and_transitions_for_analysts_and_privacy_officers(client: TestClient, rated: Engine) -> None:
    analyst, officer = auth_headers(rated, "analyst"), auth_headers(rated, "privacy_officer")
    assert client.get("/api/risk/alerts", headers=auth_headers(rated, "member")).status_code == 403
    assert client.post("/api/risk/shilling-scans", json={**DRILL, "size": 0.5}, headers=analyst).status_code == 422
    done = job_outcome(client, client.post("/api/risk/shilling-scans", json=DRILL, headers=analyst), analyst)
    assert done["status"] == "succeeded" and done["result"]["simulated"] and done["result"]["injected"] == 20
    assert done["links"]["web"] == "/risk/alerts?kind=shilling"
    [alert] = client.get("/api/risk/alerts", params={"kind": "shilling", "state": "open"}, headers=officer).json()
    assert alert["simulated"] and alert["owner_role"] == "analyst"
    assert client.get("/api/risk/alerts", params={"state": "nope"}, headers=officer).status_code == 422
    url = f"/api/risk/alerts/{alert['id']}"
    assert client.get(url, headers=officer).json()["evidence"]["drill"]["injected"] == 20
    moved = client.post(url + "/transition", json={"state": "acknowledged", "why": "on it"}, headers=officer)
    assert moved.status_code == 200 and moved.json()["state_by"].startswith("account:")
    assert client.post(url + "/transition", json={"state": "resolved", "why": ""}, headers=officer).status_code == 422
    resolved = client.post(url + "/transition", json={"state": "resolved", "why": "drill done"}, headers=analyst).json()
    assert resolved["state"] == "resolved"
    again = client.post(url + "/transition", json={"state": "acknowledged", "why": "x"}, headers=analyst)
    assert again.status_code == 409
    assert client.get("/api/risk/thresholds", headers=analyst).json()[0]["detector"] == "shilling.features"
    assert client.get("/api/risk/alerts/999", headers=analyst).status_code == 404
    assert client.post("/api/risk/misuse-scans", headers=officer).json() == {"alerts": []}
    assert client.post("/api/risk/quality-scans", headers=officer).json() == {"alerts": []}  # two imports: no history
    assert client.post("/api/risk/drift-scans", params={"days": 3}, headers=officer).status_code == 422
    assert client.post("/api/risk/drift-scans", params={"days": 365}, headers=officer).status_code == 400
    assert client.post("/api/risk/misuse-scans", headers=auth_headers(rated, "auditor")).status_code == 403
    short = client.post("/api/risk/kpi-scans", headers=analyst)  # four months of activity: too short for a season
    assert short.status_code == 400 and "at least 12" in short.json()["detail"]


def test_web_pages_list_filter_show_evidence_and_move_alerts_in_both_languages(client: TestClient, rated: Engine) -> None:
    analyst = auth_headers(rated, "analyst")
    assert "No alerts." in client.get("/risk/alerts", headers=analyst).text
    job_outcome(client, client.post("/api/risk/shilling-scans", json=DRILL, headers=analyst), analyst)
    page = client.get("/risk/alerts", headers=analyst).text
    assert 'id="risk-alerts"' in page and "drill" in page and 'href="/risk/alerts/1"' in page
    assert "/risk/alerts/1" not in client.get("/risk/alerts", params={"state": "resolved"}, headers=analyst).text
    detail = client.get("/risk/alerts/1", headers=analyst).text
    assert "suspected fake profiles rate work" in detail and 'data-chart="data-risk-1"' in detail
    assert 'id="alert-profiles"' in detail and "injected:" in detail and 'id="alert-move"' in detail
    moved = client.post("/risk/alerts/1", data={"state": "acknowledged", "why": "checking"}, headers=analyst)
    assert moved.status_code == 303 and moved.headers["location"] == "/risk/alerts/1"
    assert "checking" in client.get("/risk/alerts/1", headers=analyst).text
    chinese = client.get("/risk/alerts", params={"lang": "zh-Hans"}, headers=analyst).text
    assert "风险警报" in chinese and "Risk alerts" not in chinese
    zh_detail = client.get("/risk/alerts/1", params={"lang": "zh-Hans"}, headers=analyst).text
    assert "可疑" in zh_detail and "suspected fake profiles" not in zh_detail
    assert client.get("/risk/alerts", headers=auth_headers(rated, "algorithm_reviewer")).status_code == 403
    checked = client.post("/risk/checks", data={"check": "misuse"}, headers=analyst)
    assert checked.status_code == 303 and checked.headers["location"] == "/risk/alerts?kind=misuse"
    drill = client.post("/risk/checks", data={"check": "drill"}, headers=analyst)
    assert drill.status_code == 303 and drill.headers["location"].startswith("/jobs/")
    assert job_outcome(client, "/api" + drill.headers["location"], analyst)["status"] == "succeeded"


def test_kpi_alert_page_shows_the_series_in_both_languages(client: TestClient, rated: Engine) -> None:
    from museion.risk import alerts

    with rated.begin() as conn:
        alert_id = alerts.raise_alert(conn, kind="kpi", detector="kpi.stl_mad", severity="high",
                                      subject="activity:events:2022-07", summary="events spike", actor="test",
                                      evidence={"series": "events", "months": ["2022-06", "2022-07"], "values": [10, 99],
                                                "anomaly": {"from": "2022-07", "to": "2022-07", "direction": "spike",
                                                            "score": 9.0, "expected": 11.0, "observed": 99.0},
                                                "threshold": 5.0}).alert_id
    analyst = auth_headers(rated, "analyst")
    page = client.get(f"/risk/alerts/{alert_id}", headers=analyst).text
    assert "events per month: a spike from 2022-07 to 2022-07, 99 against about 11 expected." in page
    assert 'data-chart="data-risk-1"' in page
    chinese = client.get(f"/risk/alerts/{alert_id}", params={"lang": "zh-Hans"}, headers=analyst).text
    assert "每月事件数" in chinese and "骤增" in chinese and "against about" not in chinese


def test_cli_drill_lists_moves_and_tunes_thresholds(museion_env: str, rated: Engine) -> None:
    runner = CliRunner()
    drill = runner.invoke(cli, ["risk", "simulate-attack", "--type", "average", "--size", "0.1", "--filler", "0.05",
                                "--seed", "2", "--json"])
    assert drill.exit_code == 0, drill.output
    result = json.loads(drill.output)
    assert result["simulated"] and result["injected"] == 20 and result["alerts"]
    alert_id = result["alerts"][0]
    listed = json.loads(runner.invoke(cli, ["risk", "alerts", "--state", "open", "--json"]).output)
    assert [a["id"] for a in listed] == [alert_id]
    assert "drill on a scratch copy" in runner.invoke(cli, ["risk", "alert", str(alert_id)]).output
    assert runner.invoke(cli, ["risk", "ack", str(alert_id)]).exit_code == 0
    assert "false_alarm" in runner.invoke(cli, ["risk", "false-alarm", str(alert_id), "--why", "test"]).output
    tuned = json.loads(runner.invoke(cli, ["risk", "thresholds", "--json"]).output)
    assert tuned[0]["value"] == 3.25 and tuned[0]["history"][0]["alert_id"] == alert_id
    bad = runner.invoke(cli, ["risk", "simulate-attack", "--size", "0.5"])
    assert bad.exit_code == 1 and "size" in bad.output
    short = runner.invoke(cli, ["risk", "anomalies"])
    assert short.exit_code == 1 and "at least 12" in short.output
    refused = runner.invoke(cli, ["risk", "thresholds", "--detector", "shilling.features", "--value", "-1"])
    assert refused.exit_code == 1 and "value" in refused.output
