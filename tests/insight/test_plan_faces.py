"""The planner, segments and outlook from their three faces — API (analysts read, proposers propose), command line
and web pages in English and Chinese — over the generated market of plan_market.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, job_outcome
from museion.cli.main import app as cli
from museion.server import create_app
from plan_market import build_market


@pytest.fixture
def market(engine: Engine, tmp_path: Path) -> Engine:
    return build_market(engine, tmp_path)


@pytest.fixture
def client(market: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(market), raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


BODY = {"name": "autumn", "slots": 5, "quotas": {"creator_gender:Female": 0.4}, "max_share": {"genre": 0.6}}


def test_api_previews_proposes_compares_and_refuses_bad_input(client: TestClient, market: Engine) -> None:
    analyst, reviewer = auth_headers(market, "analyst"), auth_headers(market, "algorithm_reviewer")
    preview = job_outcome(client, client.post("/api/insight/plans/preview", json=BODY, headers=reviewer), reviewer)
    assert preview["kind"] == "insight_plan" and preview["status"] == "succeeded", preview
    assert len(preview["result"]["plan"]["works"]) == 5 and preview["result"]["plan"]["sentences"]
    assert client.post("/api/insight/plans", json=BODY, headers=reviewer).status_code == 403  # reviewers decide, not propose
    made = job_outcome(client, client.post("/api/insight/plans", json=BODY, headers=analyst), analyst)
    plan_id = made["result"]["plan_id"]
    assert made["links"]["api"] == f"/api/insight/plans/{plan_id}"
    stored = client.get(f"/api/insight/plans/{plan_id}", headers=analyst).json()
    assert stored["status"] == "proposed" and stored["proposal_id"] and stored["name"] == "autumn"
    listed = client.get("/api/insight/plans", headers=analyst).json()
    assert [p["id"] for p in listed] == [plan_id]
    assert client.get("/api/insight/plans/999", headers=analyst).status_code == 404
    compared = job_outcome(client, client.post("/api/insight/plans/compare", headers=analyst, json={
        "scenarios": [BODY, {**BODY, "name": "free", "quotas": {}}]}), analyst)["result"]["scenarios"]
    assert compared[1]["objective"] >= compared[0]["objective"]
    zero = client.post("/api/insight/plans/preview", json={"budget": 0}, headers=analyst)
    assert zero.status_code == 400 and "budget must be a positive" in zero.json()["detail"]  # refused before any job
    unknown = job_outcome(client, client.post("/api/insight/plans/preview", json={"slots": 3, "quotas": {"nope": 0.2}},
                                              headers=analyst), analyst)
    assert unknown["status"] == "failed" and "unknown group" in unknown["error"]
    clash = job_outcome(client, client.post("/api/insight/plans/preview", headers=analyst, json={
        "slots": 9, "quotas": {"creator_gender:Female": 1.0}}), analyst)
    assert clash["status"] == "failed" and "creator_gender:Female ≥ 100%" in clash["error"]
    assert client.post("/api/insight/plans/preview", json={"slots": 3, "extra": 1}, headers=analyst).status_code == 422
    segments = job_outcome(client, client.post("/api/insight/segments", json={}, headers=analyst), analyst)
    assert segments["kind"] == "insight_segments" and segments["links"]["web"] == f"/insight/segments?job={segments['id']}"
    found_segments = client.get(f"/api/insight/segments/{segments['id']}", headers=analyst).json()
    assert found_segments["k"] >= 2 and all(p["size"] >= 5 for p in found_segments["profiles"])
    assert len(found_segments["seeds"]) == 5 and len(found_segments["labels"]) == found_segments["k"]
    assert client.get(f"/api/insight/segments/{made['id']}", headers=analyst).status_code == 404  # a plan job
    found = client.get("/api/insight/outlook", params={"genre": ["Drama"], "year": 2020}, headers=analyst).json()
    assert found["expected"] >= 0 and found["comparables"]
    assert client.get("/api/insight/outlook", params={"genre": ["Opera"]}, headers=analyst).status_code == 400
    evaluation = job_outcome(client, client.post("/api/insight/outlook/evaluation", json={}, headers=analyst), analyst)
    assert evaluation["kind"] == "outlook_evaluation" and evaluation["status"] == "failed" and "too few" in evaluation["error"]
    member = auth_headers(market, "member", member="t:m1")
    assert client.post("/api/insight/segments", json={}, headers=member).status_code == 403


def test_web_planner_form_plan_explanation_and_queue_in_both_languages(client: TestClient, market: Engine) -> None:
    analyst = auth_headers(market, "analyst")
    reviewer_view = client.get("/insight/planner", headers=auth_headers(market, "algorithm_reviewer")).text
    assert 'id="planner-form"' in reviewer_view and "/insight/planner/propose" not in reviewer_view  # reviewers decide
    empty = client.get("/insight/planner", headers=analyst)
    assert empty.status_code == 200 and 'id="planner-form"' in empty.text and "No plan has been proposed yet." in empty.text
    form = {"name": "web plan", "slots": "5", "quotas": "creator_gender:Female=40%", "max_genre_share": "60%"}
    started = client.post("/insight/planner", data=form, headers=analyst)
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    job = job_outcome(client, "/api" + started.headers["location"], analyst)
    assert job["status"] == "succeeded" and job["links"]["web"] == f"/insight/planner?job={job['id']}"
    shown = client.get(job["links"]["web"], headers=analyst)
    assert shown.status_code == 200 and 'id="plan-explanation"' in shown.text and "binds" in shown.text
    assert 'id="plan-greedy"' in shown.text and "application/json" in shown.text and 'value="web plan"' in shown.text
    bad = client.post("/insight/planner", data={"budget": "0"}, headers=analyst)
    assert bad.status_code == 422 and "budget must be a positive" in bad.text  # refused before any job
    compare = client.post("/insight/planner/compare", data=form, headers=analyst)
    what_if = client.get(job_outcome(client, "/api" + compare.headers["location"], analyst)["links"]["web"],
                         headers=analyst).text
    assert 'id="plan-scenarios"' in what_if and "without creator_gender:Female" in what_if and "slots and budget only" in what_if
    made = client.post("/insight/planner/propose", data=form, headers=analyst)
    assert made.status_code == 303 and made.headers["location"].startswith("/jobs/")
    proposed = job_outcome(client, "/api" + made.headers["location"], analyst)
    page = client.get(proposed["links"]["web"], headers=analyst)
    assert proposed["links"]["web"].startswith("/insight/planner/") and page.status_code == 200
    assert "/queue/" in page.text and "proposed" in page.text
    chinese = client.get(job["links"]["web"], params={"lang": "zh-Hans"}, headers=analyst).text
    assert "推广" in chinese and "Why this plan" not in chinese and "binds" not in chinese
    assert client.get("/insight/planner", params={"job": proposed["id"] + 1000}, headers=analyst).status_code == 404
    assert "No segments have been found yet." in client.get("/insight/segments", params={"lang": "en"}, headers=analyst).text
    segmenting = client.post("/insight/segments", headers=analyst)
    assert segmenting.status_code == 303 and segmenting.headers["location"].startswith("/jobs/")
    assert job_outcome(client, "/api" + segmenting.headers["location"], analyst)["status"] == "succeeded"
    for path in ("/insight/segments", "/insight/outlook?genres=Drama&year=2020"):
        en = client.get(path, headers=analyst)
        zh = client.get(path, params={"lang": "zh-Hans"}, headers=analyst)
        assert en.status_code == 200 and zh.status_code == 200 and 'role="alert"' not in en.text, en.text[-2000:]
    assert 'id="segment-profiles"' in client.get("/insight/segments", headers=analyst).text
    assert 'id="outlook-comparables"' in client.get("/insight/outlook?genres=Drama", headers=analyst).text
    started = client.post("/insight/outlook/evaluation", headers=analyst)
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    job = job_outcome(client, "/api" + started.headers["location"], analyst)
    assert job["status"] == "failed" and "too few" in job["error"]  # 30 works in one year: no time split possible
    missing = client.get("/insight/outlook", params={"evaluation": job["id"], "lang": "zh-Hans"}, headers=analyst)
    assert missing.status_code == 200 and 'role="alert"' in missing.text and "Mean absolute error" not in missing.text
    from museion.jobs import records

    done = records.create(market, "outlook_evaluation", {}, "test")  # a finished evaluation, as a worker leaves it
    records.finish(market, done, "succeeded", from_status="queued", message="done", result={
        "cutoff_year": 2013, "train": 6788, "test": 1753, "mae": 1.013, "mae_genre_mean": 2.572, "mae_median": 1.221,
        "mae_log": 0.284, "mae_log_genre_mean": 0.721, "better_share": 0.89})
    shown = client.get("/insight/outlook", params={"evaluation": done, "lang": "en"}, headers=analyst).text
    assert 'id="outlook-evaluation"' in shown and "1.013 against 2.572" in shown and "89%" in shown


def test_cli_plans_lists_shows_compares_segments_and_outlook(museion_env: str, market: Engine) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["insight", "plan", "--slots", "5", "--quota", "creator_gender:Female=40%", "--json"])
    assert made.exit_code == 0, made.output
    plan = json.loads(made.output)
    assert len(plan["works"]) == 5 and plan["plan_id"] and plan["proposal_id"]
    shown = runner.invoke(cli, ["insight", "plan-show", str(plan["plan_id"])])
    assert shown.exit_code == 0 and "greedy baseline" in shown.output and "status: proposed" in shown.output
    assert "proposed" in runner.invoke(cli, ["insight", "plans"]).output
    compared = runner.invoke(cli, ["insight", "plan-compare", "--slots", "5", "--quota", "creator_gender:Female=40%"])
    assert compared.exit_code == 0 and "without creator_gender:Female" in compared.output
    zero = runner.invoke(cli, ["insight", "plan", "--budget", "0", "--preview"])
    assert zero.exit_code == 1 and "budget must be a positive" in zero.output
    segments = runner.invoke(cli, ["insight", "segments", "--json"])
    assert segments.exit_code == 0 and json.loads(segments.output)["profiles"]
    outlook = runner.invoke(cli, ["insight", "outlook", "--genre", "Drama", "--year", "2020"])
    assert outlook.exit_code == 0 and "events in its first year" in outlook.output
