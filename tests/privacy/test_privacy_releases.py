"""Releases from the store: DP histograms charged to a persisted budget, k-anonymous creator tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from helpers import inspecting, require_dataset
from museion.audit.models import AuditEntry
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.errors import MuseionError
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import releases
from museion.privacy.models import AccessRecord, PrivacySpend


@pytest.fixture
def activity(engine: Engine, tmp_path: Path) -> Engine:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,genres\n1,film,A,Drama|Crime\n2,film,B,Comedy\n3,book,C,\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="s"), works)
    events = tmp_path / "events.csv"
    events.write_text("member,work,kind\n" + "".join(f"m{i},{i % 3 + 1},view\n" for i in range(300)), encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="s"), events, keep_member_ids=True)
    return engine


def test_budget_is_set_once_charged_persistently_and_refuses_overspending(activity: Engine) -> None:
    with pytest.raises(MuseionError, match="has no privacy budget"):
        releases.activity_histogram(activity, "s", "genre", epsilon=0.5, actor="t")
    with activity.begin() as conn:
        releases.set_budget(conn, "s", 1.0)
        with pytest.raises(MuseionError, match="never raised"):
            releases.set_budget(conn, "s", 5.0)
    release = releases.activity_histogram(activity, "s", "genre", epsilon=0.7, actor="t", max_contributions=1)
    assert set(release.as_dict()) == {"Comedy", "Crime", "Drama"}
    counts = release.as_dict()  # 100 members each saw a comedy; 100 saw a crime drama, counted once each
    assert abs(counts["Comedy"] - 100) <= 3 * release.error_bound
    assert abs(counts["Drama"] + counts["Crime"] - 100) <= 6 * release.error_bound
    with activity.connect() as conn:
        assert releases.budget(conn, "s").remaining == pytest.approx(0.3)
    with pytest.raises(MuseionError, match="refused: .*only epsilon=0.3"):
        releases.activity_histogram(activity, "s", "kind", epsilon=0.5, actor="t")
    with activity.connect() as conn, inspecting():
        assert conn.scalar(select(func.count()).select_from(PrivacySpend)) == 1  # the refusal charged nothing
        assert conn.scalar(select(AccessRecord.purpose)) == "analytics"
    kinds = releases.activity_histogram(activity, "s", "kind", epsilon=0.3, actor="t")
    assert set(kinds.as_dict()) == {"book", "film"}
    with pytest.raises(MuseionError, match="cannot group by 'region'"):
        releases.activity_histogram(activity, "s", "region", epsilon=0.1, actor="t")
    with activity.connect() as conn:
        assert releases.budget(conn, "s").remaining == 0.0
        details = conn.scalars(select(AuditEntry.details).where(AuditEntry.action == "release.dp_histogram").order_by(AuditEntry.seq))
        assert [json.loads(d)["remaining"] for d in details] == [pytest.approx(0.3), 0.0]


def test_k_anonymous_creators_from_the_store(engine: Engine, tmp_path: Path) -> None:
    load_dataset(engine, get_dataset("moma"), require_dataset("moma"))
    out = tmp_path / "moma-k5.csv"
    with engine.begin() as conn:
        report, table = releases.k_anonymous_creators(conn, "moma", k=5, output=out)
    released = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(released) == report["rows"] - report["suppressed"] == len(table)
    assert released.groupby(list(released.columns)).size().min() >= 5
    assert report["suppressed_pct"] <= 5.0 and 0 < report["information_loss"] < 1


def test_histogram_from_the_cli_is_charged_once_and_refused_past_the_budget(activity: Engine, museion_env: str) -> None:
    from typer.testing import CliRunner

    from museion.cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["privacy", "release", "budget", "s", "--total", "1"]).exit_code == 0
    made = runner.invoke(app, ["privacy", "release", "histogram", "s", "--by", "kind", "--epsilon", "0.6", "--json"])
    assert made.exit_code == 0 and set(json.loads(made.output)["counts"]) == {"book", "film"}
    refused = runner.invoke(app, ["privacy", "release", "histogram", "s", "--epsilon", "0.6"])
    assert refused.exit_code == 1 and "only epsilon=0.4" in refused.output and "Traceback" not in refused.output
    with activity.connect() as conn:
        assert releases.budget(conn, "s").spent == pytest.approx(0.6)
