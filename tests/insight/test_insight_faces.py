"""Insight from the command line, the API (inline reads and the forecast job) and the web pages, in English and Chinese,
on SQLite and PostgreSQL: generated monthly demand (labelled as such) with a seasonal genre, a surging genre and a
genre too small to publish
(with the smallest other genre suppressed beside it, so the monthly total does not give it away)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from helpers import auth_headers, inspecting, job_outcome
from museion.cli.main import app as cli
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy.models import AccessRecord

MONTHS = 48


def _month(m: int) -> int:
    return int(datetime(2020 + m // 12, m % 12 + 1, 28, tzinfo=timezone.utc).timestamp())  # late: every month complete


def _events() -> list[tuple[str, str, int]]:
    """Repeated views of one work by one member in a month are minutes apart (identical events are one event)."""
    rows = []
    for m in range(MONTHS):
        rows += [(f"m{u}", "w0", _month(m) + 60 * r) for u in range(10) for r in range(1 + (m % 12 < 3))]  # Drama: seasonal
        surge = m >= MONTHS - 3
        rows += [(f"m{u}", "w2", _month(m) + 60 * r) for u in range(8 if surge else 6) for r in range(5 if surge else 1)]
        rows += [(f"m{u}", "w4", _month(m)) for u in range(3)]  # Horror: 3 members, never published
        rows += [(f"m{u}", "w6", _month(m)) for u in range(5)]  # Documentary: the smallest other, suppressed with Horror
    return rows


@pytest.fixture
def demand(engine: Engine, tmp_path: Path) -> Engine:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,genres\n" + "".join(f"w{i},film,Film {i},{g}\n" for i, g in enumerate(
        ["Drama", "Drama", "Comedy", "Comedy", "Horror", "Horror", "Documentary"])), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), works)
    events = tmp_path / "events.csv"
    events.write_text("member,work,kind,timestamp\n" + "".join(f"{u},{w},view,{t}\n" for u, w, t in _events()),
                      encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="t"), events, keep_member_ids=True)
    return engine


@pytest.fixture
def client(demand: Engine, tmp_path: Path) -> Iterator[TestClient]:
    from museion.server import create_app

    with TestClient(create_app(demand, tmp_path / "home"), follow_redirects=False) as c:
        yield c


def _accesses(engine: Engine) -> int:
    with engine.connect() as conn, inspecting():
        return int(conn.scalar(select(func.count()).select_from(AccessRecord).where(AccessRecord.purpose == "analytics")) or 0)


def test_cli_series_forecast_and_trends(demand: Engine, museion_env: str) -> None:
    run = CliRunner().invoke
    shown = run(cli, ["insight", "series", "--by", "genre", "--json"])
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["groups"] == ["Drama", "Comedy", "Documentary", "Horror"] and len(data["periods"]) == MONTHS
    assert data["values"][3] == [None] * MONTHS and data["values"][0][0] == 20  # Horror suppressed; Drama in January
    assert data["values"][2] == [None] * MONTHS  # Documentary (5 members) with it: total minus the rest is not Horror
    assert data["suppressed"] == 2 * MONTHS
    table = run(cli, ["insight", "forecast", "--group", "Drama", "--horizon", "3", "--origins", "3",
                      "--model", "AutoTheta", "--model", "SeasonalNaive", "--model", "Naive"])
    assert table.exit_code == 0, table.stderr
    assert "backtest: 3 rolling origins" in table.stdout and "Drama" in table.stdout and "2024-01" in table.stdout
    as_json = json.loads(run(cli, ["insight", "forecast", "--group", "Drama", "--horizon", "3", "--origins", "0",
                                   "--model", "Naive", "--json"]).stdout)
    assert as_json["future"] == ["2024-01", "2024-02", "2024-03"] and as_json["series"][0]["forecast"]["Naive"]["mean"]
    trends = run(cli, ["insight", "trends", "--json"])
    assert trends.exit_code == 0, trends.stderr
    found = json.loads(trends.stdout)
    assert found["trends"][0]["group"] == "Comedy" and found["trends"][0]["direction"] == "up"
    assert found["trends"][0]["significant"] and "Horror" in found["skipped"]
    bad = run(cli, ["insight", "forecast", "--group", "Western"])
    assert bad.exit_code == 1 and "no genre group Western" in bad.stderr
    too_long = run(cli, ["insight", "forecast", "--horizon", "60", "--origins", "0"])
    assert too_long.exit_code == 1 and "the horizon 60 is longer than the history (48 periods)" in too_long.stderr


def test_api_reads_through_the_gate_and_refuses_bad_input(client: TestClient, demand: Engine) -> None:
    analyst = auth_headers(demand, "analyst")
    before = _accesses(demand)
    series = client.get("/api/insight/series", params={"by": "genre", "period": "week"}, headers=analyst)
    assert series.status_code == 200 and series.json()["periods"][0] == "2020-W05"
    assert _accesses(demand) == before + 1  # one access record per read
    inline = client.get("/api/insight/forecast", params={"group": "Drama", "horizon": 6, "origins": 3,
                                                         "model": ["AutoETS", "SeasonalNaive"]}, headers=analyst)
    assert inline.status_code == 200, inline.text
    row = inline.json()["series"][0]
    assert row["group"] == "Drama" and row["backtest"]["mase"]["SeasonalNaive"] is not None
    assert len(row["forecast"][row["chosen"]]["upper"]["95"]) == 6
    trends = client.get("/api/insight/trends", params={"significant": True, "direction": "up"}, headers=analyst).json()
    assert [t["group"] for t in trends["trends"]] == ["Comedy"] and trends["trends"][0]["breaches"] >= 1
    assert client.get("/api/insight/gaps", headers=analyst).json()["gaps"][0]["group"] == "Comedy"
    unknown = client.get("/api/insight/forecast", params={"group": "Western"}, headers=analyst)
    assert unknown.status_code == 404 and "no genre group Western" in unknown.json()["detail"]
    too_long = client.get("/api/insight/forecast", params={"horizon": 50, "origins": 0}, headers=analyst)
    assert too_long.status_code == 400 and "longer than the history (48 periods)" in too_long.json()["detail"]
    assert client.get("/api/insight/series", params={"by": "colour"}, headers=analyst).status_code == 422
    assert client.get("/api/insight/series", headers=auth_headers(demand, "member", member="t:m1")).status_code == 403


def test_forecast_job_saves_a_run_with_scores_per_level(client: TestClient, demand: Engine) -> None:
    analyst = auth_headers(demand, "analyst")
    started = client.post("/api/insight/forecasts", headers=analyst, json={
        "by": "genre", "horizon": 3, "origins": 4, "models": ["AutoTheta", "SeasonalNaive", "Naive"]})
    job = job_outcome(client, started, analyst)
    assert job["status"] == "succeeded", job
    assert job["links"]["api"] == f"/api/insight/forecasts/{job['id']}"
    run = client.get(job["links"]["api"], headers=analyst).json()
    assert {r["group"] for r in run["series"]} == {"Drama", "Comedy", "total"} and "Horror" in run["skipped"]
    assert set(run["levels"]) == {"genre", "total"} and run["levels"]["genre"]["series"] == 2
    listed = client.get("/api/insight/forecasts", headers=analyst).json()
    assert listed[0]["id"] == job["id"] and listed[0]["series"] == 3
    assert client.post("/api/insight/forecasts", headers=analyst, json={"by": "genre", "origins": 1}).status_code == 202
    assert client.post("/api/insight/forecasts", headers=analyst, json={"horizon": 0}).status_code == 422
    page = client.get(job["links"]["web"], headers=analyst)
    assert page.status_code == 200 and f"Saved run #{job['id']}" in page.text and 'id="backtest"' in page.text


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_web_pages_draw_charts_in_both_languages(client: TestClient, demand: Engine, lang: str) -> None:
    analyst = auth_headers(demand, "analyst")
    zh = lang == "zh-Hans"
    overview = client.get("/insight", params={"lang": lang}, headers=analyst)
    assert overview.status_code == 200 and 'href="/insight/planner"' in overview.text and 'href="/insight/segments"' in overview.text
    assert ("市场洞察" if zh else "Market insight") in overview.text and 'href="/insight"' in overview.text  # the nav entry
    page = client.get("/insight/forecast", params={"lang": lang, "group": "Drama", "origins": 3}, headers=analyst)
    assert page.status_code == 200 and 'id="data-forecast"' in page.text and '"fill":"toself"' in page.text
    assert ("回测" if zh else "Backtest") in page.text and "2024-01" in page.text
    trends = client.get("/insight/trends", params={"lang": lang}, headers=analyst)
    assert trends.status_code == 200 and 'id="data-trend-1"' in trends.text and ("目录缺口" if zh else "Catalogue gaps") in trends.text
    bad = client.get("/insight/forecast", params={"lang": lang, "group": "Western"}, headers=analyst)
    assert bad.status_code == 422 and 'id="forecast-error"' in bad.text and "Western" in bad.text
    if zh:
        assert "没有" in bad.text
    started = client.post("/insight/forecast", data={"by": "genre", "horizon": "3", "origins": "0", "top": "2"}, headers=analyst)
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")


def test_web_forecast_of_catalogue_acquisitions_defaults_to_years(client: TestClient, demand: Engine) -> None:
    with demand.begin() as conn:
        conn.exec_driver_sql("UPDATE works SET acquisition_year = 1990 + id, medium = 'Oil paint on canvas'")
    analyst = auth_headers(demand, "analyst")
    page = client.get("/insight/forecast", params={"measure": "acquisitions", "by": "medium", "period": "", "origins": 0,
                                                   "horizon": 2}, headers=analyst)
    assert page.status_code == 200, page.text
    assert "Oil paint" in page.text and "1997" in page.text  # six works acquired 1991-1996: the forecast starts in 1997
    monthly = client.get("/insight/forecast", params={"measure": "acquisitions", "period": "month"}, headers=analyst)
    assert monthly.status_code == 422 and "counted per year" in monthly.text
