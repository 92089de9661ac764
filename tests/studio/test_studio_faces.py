"""The subject suggester from its three faces: the API (curators), the command line and the web page (both languages),
over the generated catalogue of tests/studio/conftest.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, job_outcome
from museion.cli.main import app as cli
from museion.server import create_app


@pytest.fixture
def client(generated_catalogue: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(generated_catalogue), raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_api_trains_proposes_and_reports_for_curators_only(client: TestClient, generated_catalogue: Engine) -> None:
    curator = auth_headers(generated_catalogue, "curator")
    missing = client.get("/api/studio/suggester", headers=curator)
    assert missing.status_code == 404 and "museion studio train-suggester" in missing.json()["detail"]
    assert client.post("/api/studio/suggester", headers=auth_headers(generated_catalogue, "analyst")).status_code == 403
    trained = job_outcome(client, client.post("/api/studio/suggester", headers=curator), curator)  # a job: 202 at once
    assert trained["status"] == "succeeded" and trained["links"]["api"] == "/api/studio/suggester"
    version = client.get("/api/studio/suggester", headers=curator).json()
    assert version["id"] == trained["result"]["model_version_id"]
    assert version["task"] == "subjects" and version["evaluation"]["held_out"] == 7
    assert client.get("/api/studio/suggester", headers=curator).json()["id"] == version["id"]

    done = client.post("/api/studio/suggestions", json={"work_keys": ["gen:u-alps-0"]}, headers=curator)
    assert done.status_code == 201
    [proposal] = done.json()
    assert proposal["ai_made"] is True and proposal["model_version_id"] == version["id"]
    assert {s["subject"] for s in proposal["subjects"][:2]} == {"mountain", "snow"}
    assert all(0 <= s["confidence"] <= 1 and s["voters"] for s in proposal["subjects"][:2])

    assert client.post("/api/studio/suggestions", json={"limit": 0}, headers=curator).status_code == 422
    assert client.post("/api/studio/suggestions", json={"limit": 5, "extra": 1}, headers=curator).status_code == 422
    unknown = client.post("/api/studio/suggestions", json={"work_keys": ["gen:nope"]}, headers=curator)
    assert unknown.status_code == 404 and "gen:nope" in unknown.json()["detail"]
    again = client.post("/api/studio/suggestions", json={"work_keys": ["gen:u-alps-0"]}, headers=curator)
    assert again.status_code == 409
    report = client.get("/api/studio/calibration", headers=curator).json()
    assert report["version_id"] == version["id"] and report["decided"] == 0
    assert client.get("/api/studio/calibration", params={"version_id": 0}, headers=curator).status_code == 422


def test_web_page_shows_the_version_its_figures_and_labels_suggestions_ai_made(client: TestClient,
                                                                               generated_catalogue: Engine) -> None:
    curator = auth_headers(generated_catalogue, "curator")
    assert "No subject suggester has been trained yet." in client.get("/studio/suggestions", headers=curator).text
    refused = client.post("/studio/suggestions", data={"limit": "3"}, headers=curator)
    assert refused.status_code == 404 and "museion studio train-suggester" in refused.text
    started = client.post("/studio/suggester", headers=curator)
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    assert job_outcome(client, "/api" + started.headers["location"], curator)["status"] == "succeeded"
    page = client.get("/studio/suggestions", headers=curator).text
    version = int(re.search(r"Current suggester: model version (\d+)", page).group(1))
    assert re.search(r'id="precision-at-5">\d\.\d{3} \(popularity floor \d\.\d{3}', page)
    assert 'id="reliability-held-out"' in page and "raw," in page
    done = client.post("/studio/suggestions", data={"limit": "2"}, headers=curator)
    assert done.status_code == 200 and done.text.count(f"AI-made · model version {version} · confidence") == 2
    chinese = client.get("/studio/suggestions", params={"lang": "zh-Hans"}, headers=curator).text
    assert "主题建议" in chinese and "Current suggester" not in chinese
    assert client.get("/studio/suggestions", headers=auth_headers(generated_catalogue, "auditor")).status_code == 403


def test_cli_trains_proposes_and_prints_the_reliability_table(museion_env: str, generated_catalogue: Engine) -> None:
    runner = CliRunner()
    trained = runner.invoke(cli, ["studio", "train-suggester"])
    assert trained.exit_code == 0 and "precision@5" in trained.output and "museion studio suggest" in trained.output
    proposed = runner.invoke(cli, ["studio", "suggest", "--limit", "2", "--json"])
    assert proposed.exit_code == 0
    rows = json.loads(proposed.output)
    assert len(rows) == 2 and all(r["subjects"] for r in rows)
    table = runner.invoke(cli, ["studio", "suggest", "--work", "gen:u-alps-1"])
    assert table.exit_code == 0 and "gen:u-alps-1" in table.output and "AI-made" in table.output
    busy = runner.invoke(cli, ["studio", "suggest", "--work", "gen:u-alps-1"])
    assert busy.exit_code != 0 and "waiting for a decision" in busy.output
    bad = runner.invoke(cli, ["studio", "suggest", "--work", "gen:nope"])
    assert bad.exit_code != 0 and "no work with key gen:nope" in bad.output and "Traceback" not in bad.output
    report = runner.invoke(cli, ["studio", "calibration"])
    assert report.exit_code == 0 and "share accepted" in report.output and "held-out ECE" in report.output
