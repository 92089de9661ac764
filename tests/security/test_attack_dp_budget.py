"""Attack: concurrent DP releases against one budget (issue 21, item 1). Four parallel `POST /api/releases/histogram`
with epsilon 0.4 against a total of 1.0 once all succeeded (1.6 spent); the spend is now reserved under the budget's
lock before counting, so at most two pass, and a release that fails gives its reservation back."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from helpers import auth_headers, import_views, job_outcome
from museion.config import get_settings
from museion.privacy import releases
from museion.privacy.models import PrivacySpend
from museion.server import create_app

PARALLEL = 4


@pytest.fixture
def budgeted(engine: Engine, tmp_path: Path) -> Engine:
    import_views(engine, tmp_path, genres=("Comedy", "Drama"), works=6, members=30, skip_every=3)
    with engine.begin() as conn:
        releases.set_budget(conn, "t", 1.0)
    return engine


@pytest.fixture
def slow_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the race: each release computes for half a second, as a large one does, after reading the budget."""
    compute = releases.dp_histogram_of_codes

    def slowly(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return compute(*args, **kwargs)

    monkeypatch.setattr(releases, "dp_histogram_of_codes", slowly)


def spent(engine: Engine) -> float:
    with engine.connect() as conn:
        return float(conn.scalar(select(func.coalesce(func.sum(PrivacySpend.epsilon), 0.0))))


@pytest.mark.usefixtures("slow_release")
def test_parallel_http_releases_never_overspend_the_budget(budgeted: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Releases run as jobs (issue 21, item 13): each request is refused at once (409) or accepted (202); the
    accepted ones run on four job threads at once, and only two of all four releases may succeed."""
    monkeypatch.setenv("MUSEION_JOBS_WORKERS", str(PARALLEL))
    get_settings.cache_clear()
    analyst = auth_headers(budgeted, "analyst")
    body = {"dataset": "t", "by": "genre", "epsilon": 0.4, "max_contributions": 3}
    with TestClient(create_app(budgeted, tmp_path / "home"), headers=analyst) as client, ThreadPoolExecutor(PARALLEL) as pool:
        responses = list(pool.map(lambda _: client.post("/api/releases/histogram", json=body), range(PARALLEL)))
        outcomes = Counter(job_outcome(client, r)["status"] if r.status_code == 202 else r.status_code for r in responses)
        assert outcomes["succeeded"] == 2 and outcomes["failed"] + outcomes[409] == 2, outcomes
        assert client.get("/api/releases/budgets/t").json()["spent"] == pytest.approx(0.8)
    assert spent(budgeted) == pytest.approx(0.8)


@pytest.mark.usefixtures("slow_release")
def test_parallel_service_releases_never_overspend_the_budget(budgeted: Engine) -> None:
    def release(epsilon: float) -> str:
        try:
            releases.activity_histogram(budgeted, "t", "kind", epsilon=epsilon, actor="attacker")
        except releases.BudgetRefused:
            return "refused"
        return "released"

    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(release, [0.3] * 8))
    assert outcomes == {"released": 3, "refused": 5}
    assert spent(budgeted) == pytest.approx(0.9) and spent(budgeted) <= 1.0


def test_a_failed_release_gives_its_reservation_back(budgeted: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the mechanism failed")

    monkeypatch.setattr(releases, "dp_histogram_of_codes", broken)
    with pytest.raises(RuntimeError, match="mechanism failed"):
        releases.activity_histogram(budgeted, "t", "genre", epsilon=0.6, actor="t")
    assert spent(budgeted) == 0.0
    monkeypatch.undo()
    releases.activity_histogram(budgeted, "t", "genre", epsilon=1.0, actor="t")  # the whole budget is still there
    assert spent(budgeted) == pytest.approx(1.0)
