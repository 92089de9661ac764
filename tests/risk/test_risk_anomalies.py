"""KPI anomalies: the pure STL/MAD core on generated series (labelled generated) with injected spikes, dips and shifts
of known size and place, a property over random clean series, too-short series refused; and the service over monthly
activity in a store (SQLite and PostgreSQL) raising a de-duplicated alert for the injected month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from museion.risk import alerts, anomalies, kpi
from risk_data import monthly_events


def _series(seed: int, n: int = 72) -> np.ndarray:
    t = np.arange(n)
    return 1000 + 3 * t + 150 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 40, n)


@pytest.mark.parametrize(("size", "length", "direction"), [(10, 1, "spike"), (-10, 1, "dip"), (8, 3, "spike")])
def test_injected_anomalies_are_found_where_they_are(size: float, length: int, direction: str) -> None:
    y = _series(1)
    y[40:40 + length] += size * 40
    found = anomalies.detect(y)
    assert [(a.start, a.direction) for a in found if a.start <= 40 <= a.end + 1] == [(40, direction)]
    hit = next(a for a in found if a.start == 40)
    assert hit.severity in ("medium", "high") and hit.observed in y[40:40 + length]
    assert anomalies.precision_recall(found, [40])[1] == 1.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_clean_series_never_raise_a_high_severity_alarm(seed: int) -> None:
    found = anomalies.detect(_series(seed))
    assert all(a.severity != "high" for a in found)  # noise may cross the line, never far


def test_too_short_or_incomplete_series_are_refused() -> None:
    with pytest.raises(anomalies.TooShort, match="at least 12"):
        anomalies.detect(np.ones(5))
    with pytest.raises(anomalies.TooShort):
        anomalies.detect(np.r_[np.ones(20), np.nan])
    assert anomalies.detect(np.r_[np.ones(15), 50.0, np.ones(15)], period=None)[0].start == 15  # no season: medians


def test_monthly_activity_spike_becomes_one_deduplicated_kpi_alert(engine: Engine, tmp_path: Path) -> None:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    path = tmp_path / "works.csv"
    path.write_text("key,kind,title\n" + "".join(f"w{n},film,Generated {n}\n" for n in range(50)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="gen"), path)
    path = tmp_path / "events.csv"
    path.write_text(monthly_events(), encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="gen"), path, keep_member_ids=True)
    with engine.begin() as conn:
        first = kpi.scan_activity(conn, actor="test")
        again = kpi.scan_activity(conn, actor="test")
        assert first and again == first
        events = [alerts.get_alert(conn, a) for a in first if "events" in alerts.get_alert(conn, a)["subject"]]
        assert [e["subject"] for e in events] == ["activity:events:2022-07"]
        assert events[0]["count"] == 2 and events[0]["evidence"]["anomaly"]["direction"] == "spike"
        assert events[0]["kind"] == "kpi" and events[0]["owner_role"] == "analyst"
