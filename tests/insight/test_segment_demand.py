"""Demand by member segment and differentially private demand series, through the gate, on SQLite and PostgreSQL,
over generated events (labelled as such): three audiences with different tastes over 24 months."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from helpers import inspecting
from museion.errors import MuseionError
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.insight.demand import demand_series, dp_demand_series
from museion.insight.forecasting import run_forecast
from museion.privacy.models import AccessRecord, PrivacySpend
from museion.privacy.releases import BudgetRefused, set_budget
from museion.privacy.segment_demand import segment_demand_cells

MONTHS = 24
AUDIENCES = {"a": ("w1", "w4"), "b": ("w2",), "c": ("w3",)}  # Drama/Romance, Comedy, Horror lovers


def _at(month: int, minute: int = 0) -> int:
    return int(datetime(2020 + month // 12, month % 12 + 1, 28, tzinfo=timezone.utc).timestamp()) + 60 * minute


@pytest.fixture
def audiences(engine: Engine, tmp_path: Path) -> Engine:
    """Generated: 20 members per audience; each views a favourite every month, and audience c only every other."""
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,genres\nw1,film,One,Drama\nw2,film,Two,Comedy\nw3,film,Three,Horror\n"
                     "w4,film,Four,Drama|Romance\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), works)
    rows = []
    for audience, favourites in AUDIENCES.items():
        for u in range(20):
            for m in range(MONTHS):
                if audience != "c" or m % 2 == 0:
                    rows.append(f"{audience}{u},{favourites[(u + m) % len(favourites)]},view,{_at(m, u)}\n")
    events = tmp_path / "events.csv"
    events.write_text("member,work,kind,timestamp\n" + "".join(rows), encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="t"), events, keep_member_ids=True)
    return engine


def test_demand_by_segment_counts_each_audience_through_the_gate(audiences: Engine) -> None:
    with audiences.connect() as conn, inspecting():
        before = conn.scalar(select(func.count()).select_from(AccessRecord))
    found = demand_series(audiences, "analyst", "segment", "month")
    assert len(found.groups) == 3 and all(" · " in g for g in found.groups)  # "1 · Drama, Romance"
    horror = next(g for g in found.groups if "Horror" in g)
    assert found.row(horror).tolist() == [20.0 if m % 2 == 0 else 0.0 for m in range(MONTHS)]
    assert np.nansum(found.values) == 20 * MONTHS * 2 + 20 * MONTHS // 2 and found.suppressed == 0
    with audiences.connect() as conn, inspecting():
        details = conn.scalars(select(AccessRecord.details).order_by(AccessRecord.id.desc()).limit(1)).one()
        assert conn.scalar(select(func.count()).select_from(AccessRecord)) == before + 2  # segmenting, then counting
    assert details["aggregate"] == "demand by member segment" and details["smallest_segment"] == 20


def test_a_segment_under_k_members_is_refused(audiences: Engine) -> None:
    with audiences.begin() as conn, pytest.raises(MuseionError, match="fewer than 5 members"):
        segment_demand_cells(conn, actor="a", segments={1: "tiny", 2: "tiny"})


def test_segment_series_forecast_and_no_catalogue_side(audiences: Engine) -> None:
    result = run_forecast(audiences, "analyst", by="segment", horizon=3, origins=2, models=("Naive", "SeasonalNaive"))
    assert {r["level"] for r in result["series"]} == {"segment", "total"} and result["levels"]["segment"]["series"] == 3
    with pytest.raises(MuseionError, match="unknown grouping segment"):
        run_forecast(audiences, "analyst", measure="acquisitions", by="segment", period="year")


def test_dp_release_spends_the_budget_reports_noise_and_refuses_when_spent(audiences: Engine) -> None:
    with pytest.raises(Exception, match="no privacy budget"):
        dp_demand_series(audiences, "analyst", "genre", epsilon=1.0, source="t")
    with audiences.begin() as conn:
        set_budget(conn, "t", 1.5)
    released = dp_demand_series(audiences, "analyst", "genre", epsilon=1.0, source="t", max_contributions=24)
    assert released.groups == ["Comedy", "Drama", "Horror", "Romance"] and released.suppressed == 0
    assert not np.isnan(released.values).any() and (released.values >= 0).all()
    dp = released.dp
    assert dp["epsilon"] == pytest.approx(1.0) and dp["remaining"] == pytest.approx(0.5) and dp["scale"] > 0
    assert dp["error_bound"] > dp["scale"] and dp["max_contributions"] == 24 and dp["unit"] == "member"
    true = demand_series(audiences, "analyst", "genre").row("Comedy")
    assert np.mean(np.abs(released.row("Comedy") - true)) < 3 * dp["error_bound"]  # noisy, not made up
    with pytest.raises(BudgetRefused, match="refused"):
        dp_demand_series(audiences, "analyst", "genre", epsilon=1.0, source="t")
    with audiences.connect() as conn:
        spends = conn.execute(select(PrivacySpend.epsilon, PrivacySpend.query)).all()
    assert len(spends) == 1 and "demand per group and month" in spends[0].query  # the refused one left nothing
    forecast = run_forecast(audiences, "analyst", by="genre", horizon=2, origins=0, models=("Naive",), source="t",
                            dp_epsilon=0.5)
    assert forecast["dp"]["remaining"] == pytest.approx(0.0) and forecast["series"]
    assert "total" not in forecast["levels"]  # a DP total would be a second spend


def test_dp_bad_input(audiences: Engine) -> None:
    with pytest.raises(MuseionError, match="name the source"):
        dp_demand_series(audiences, "analyst", "genre", epsilon=1.0, source=None)
    with pytest.raises(MuseionError, match="is not offered"):
        dp_demand_series(audiences, "analyst", "segment", epsilon=1.0, source="t")
    with pytest.raises(MuseionError, match="catalogue counts are public"):
        run_forecast(audiences, "analyst", measure="works", by="genre", period="year", dp_epsilon=1.0, source="t")


def test_reconciliation_is_backtested_per_level_and_refused_for_overlapping_groups(audiences: Engine) -> None:
    result = run_forecast(audiences, "analyst", by="segment", horizon=3, origins=3, models=("AutoETS", "Naive"),
                          reconcile=True)
    found = result["reconciliation"]
    assert set(found["mase"]) == {"base", "BottomUp", "MinTrace(ols)", "MinTrace(wls_struct)"}
    assert all(set(levels) == {"groups", "total"} for levels in found["mase"].values())
    assert found["chosen"] == "base" or min(found["mase"][found["chosen"]].values()) <= max(found["mase"]["base"].values())
    with pytest.raises(MuseionError, match="partition the total"):
        run_forecast(audiences, "analyst", by="genre", horizon=3, origins=3, reconcile=True)  # Drama|Romance overlap


def test_faces_segment_series_dp_release_reconciliation_and_changepoints(audiences: Engine, museion_env: str,
                                                                         tmp_path: Path) -> None:
    import json

    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from helpers import auth_headers, job_outcome
    from museion.cli.main import app as cli
    from museion.server import create_app

    run = CliRunner().invoke
    shown = run(cli, ["insight", "series", "--by", "segment", "--json"])
    assert shown.exit_code == 0, shown.stderr
    assert len(json.loads(shown.stdout)["groups"]) == 3
    refused = run(cli, ["insight", "series", "--by", "genre", "--dp-epsilon", "1", "--source", "t"])
    assert refused.exit_code == 1 and "no privacy budget" in refused.stderr
    with audiences.begin() as conn:
        set_budget(conn, "t", 2.0)
    released = run(cli, ["insight", "series", "--by", "genre", "--dp-epsilon", "1", "--source", "t"])
    assert released.exit_code == 0 and "epsilon 1 spent (1 left)" in released.stdout and "noise of scale" in released.stdout
    reconciled = run(cli, ["insight", "forecast", "--by", "segment", "--horizon", "3", "--origins", "3", "--reconcile",
                           "--model", "AutoETS", "--model", "SeasonalNaive"])
    assert reconciled.exit_code == 0, reconciled.stderr
    assert "reconciliation backtest" in reconciled.stdout and "MinTrace(ols)" in reconciled.stdout
    trends = run(cli, ["insight", "trends", "--by", "segment"])
    assert trends.exit_code == 0 and "p (change)" in trends.stdout
    with TestClient(create_app(audiences, tmp_path / "home"), follow_redirects=False) as client:
        analyst = auth_headers(audiences, "analyst")
        api = client.get("/api/insight/series", params={"by": "genre", "dp_epsilon": 0.5, "source": "t"}, headers=analyst)
        assert api.status_code == 200 and api.json()["dp"]["remaining"] == pytest.approx(0.5)
        over = client.get("/api/insight/series", params={"by": "genre", "dp_epsilon": 1.0, "source": "t"}, headers=analyst)
        assert over.status_code in (400, 409) and "refused" in over.json()["detail"]
        assert client.get("/api/insight/series", params={"by": "segment"}, headers=analyst).json()["k"] == 5
        trend = client.get("/api/insight/trends", params={"by": "segment"}, headers=analyst).json()
        assert all("changepoint_p" in t and "shift" in t for t in trend["trends"])
        job = job_outcome(client, client.post("/api/insight/forecasts", headers=analyst, json={
            "by": "segment", "horizon": 3, "origins": 3, "models": ["AutoETS", "SeasonalNaive"], "reconcile": True}),
            analyst)
        assert job["status"] == "succeeded" and job["result"]["reconciliation"]["chosen"]
        started = client.post("/insight/forecast", headers=analyst, data={
            "by": "genre", "horizon": "2", "origins": "0", "dp_epsilon": "0.5", "source": "t"})
        released_run = job_outcome(client, "/api" + started.headers["location"], analyst)
        assert released_run["status"] == "succeeded" and released_run["result"]["dp"]["remaining"] == pytest.approx(0.0)
        for lang in ("en", "zh-Hans"):
            page = client.get("/insight/forecast", params={"run": job["id"], "lang": lang}, headers=analyst).text
            assert 'id="reconciliation"' in page and "MinTrace(ols)" in page
            page = client.get("/insight/forecast", params={"run": released_run["id"], "lang": lang}, headers=analyst).text
            assert 'id="dp-release"' in page
            page = client.get("/insight/trends", params={"by": "segment", "lang": lang}, headers=analyst)
            assert page.status_code == 200 and 'id="changepoint-note"' in page.text and 'id="gaps"' not in page.text
        zh = client.get("/insight/forecast", params={"run": job["id"], "lang": "zh-Hans"}, headers=analyst).text
        assert "Hierarchical reconciliation" not in zh and "differentially private" not in zh


def test_segments_and_plan_jobs_report_progress_and_stop_when_cancelled(audiences: Engine) -> None:
    from museion.insight.plan_jobs import plan_params, run_plan, run_segments
    from museion.insight.plans import PlanSpec
    from museion.jobs.runner import Cancelled

    heard: list[tuple[float, str]] = []
    found = run_segments(audiences, "analyst", {"k_max": 4}, lambda done, message: heard.append((done, message)))
    assert found["k"] == 3 and [m for _, m in heard][1:] == [f"k = {k}: clustering across 5 seeds" for k in (2, 3, 4)]
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)

    def cancel_at_k3(done: float, message: str) -> None:
        if message.startswith("k = 3"):
            raise Cancelled()

    with pytest.raises(Cancelled):
        run_segments(audiences, "analyst", {"k_max": 4}, cancel_at_k3)
    with pytest.raises(MuseionError, match="k_max must be between 2 and 20"):
        run_segments(audiences, "analyst", {"k_max": 40}, lambda d, m: None)
    steps: list[str] = []
    plan = run_plan(audiences, "analyst", plan_params("preview", [PlanSpec(slots=2)]), lambda d, m: steps.append(m))
    assert len(plan["plan"]["works"]) == 2 and steps[0] == "reading candidates through the gate" and len(steps) == 2
    with pytest.raises(MuseionError, match="budget must be a positive"):
        plan_params("preview", [PlanSpec(budget=0)])
