"""Drift between windows: the pure PSI / Jensen–Shannon / KS core on generated samples (labelled generated), and the
service over ratings in a store (SQLite and PostgreSQL) that raises an alert when the latest window's ratings move."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from museion.risk import alerts, drift_check
from museion.risk.drift_stats import compare, psi, shares


def test_identical_windows_do_not_drift_and_shifted_ones_do() -> None:
    rng = np.random.default_rng(3)
    same = compare("x", rng.normal(0, 1, 5000), rng.normal(0, 1, 5000))
    moved = compare("x", rng.normal(0, 1, 5000), rng.normal(1, 1, 5000))
    assert same.severity is None and same.psi < 0.02 and same.p_value > 0.001
    assert moved.severity == "high" and moved.js > same.js and moved.ks > 0.3
    ratings = compare("rating", np.full(300, 4.0), np.full(300, 2.0), bins=drift_check.RATING_BINS, continuous=False)
    assert ratings.ks is None and ratings.js > 0.99
    with pytest.raises(ValueError):
        compare("x", np.array([]), np.ones(3))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=2, max_size=50), st.lists(st.floats(0, 100), min_size=2, max_size=50))
def test_psi_is_symmetric_and_never_negative(a: list[float], b: list[float]) -> None:
    bins = np.linspace(0, 100, 11)
    p, q = shares(np.array(a), bins), shares(np.array(b), bins)
    assert psi(p, q) >= 0 and abs(psi(p, q) - psi(q, p)) < 1e-9


def test_a_shift_in_the_latest_window_raises_a_drift_alert(rated: Engine, tmp_path: Path) -> None:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    with rated.begin() as conn:
        with pytest.raises(drift_check.TooLittleHistory, match="too few timed ratings"):
            drift_check.scan(conn, actor="test", days=365)  # the generated audience rated within four months
    rng = np.random.default_rng(1)
    end = 1_510_000_000 + 120 * 86_400
    lines = ["member,work,kind,value,timestamp"] + [
        f"m{m},w{w},rating,1.0,{end - int(rng.integers(0, 80 * 86_400))}"
        for m in range(150) for w in rng.choice(300, 4, replace=False)]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(rated, ColumnMapping("events", source="gen"), path, keep_member_ids=True)
    with rated.begin() as conn:
        raised = drift_check.scan(conn, actor="test", days=90)
        found = {alerts.get_alert(conn, a)["evidence"]["variable"]: alerts.get_alert(conn, a) for a in raised}
    assert "rating" in found and found["rating"]["severity"] == "high" and found["rating"]["kind"] == "drift"


def test_import_volume_departures_need_history_and_a_large_change() -> None:
    from museion.risk.drift_stats import volume_departures

    found = volume_departures({"a": [100, 110, 90, 100, 10], "b": [100, 110, 90, 100, 250], "c": [100, 5]})
    assert [(v.key, v.latest, v.usual) for v in found] == [("a", 10, 100.0)]


def test_an_import_far_smaller_than_usual_raises_a_quality_alert(engine: Engine, tmp_path: Path) -> None:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping
    from museion.risk import quality

    for n, rows in enumerate((100, 120, 90, 110, 5)):
        path = tmp_path / f"works-{n}.csv"
        path.write_text("key,kind,title\n" + "".join(f"w{n}-{k},film,Generated {k}\n" for k in range(rows)),
                        encoding="utf-8")
        import_file(engine, ColumnMapping("works", source="gen"), path)
    with engine.begin() as conn:
        [alert_id] = quality.scan(conn, actor="test")
        alert = alerts.get_alert(conn, alert_id)
    assert alert["kind"] == "quality" and alert["evidence"]["latest"] == 5 and alert["evidence"]["usual"] == 105.0
