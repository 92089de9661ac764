"""Export of events to partitioned Parquet through the privacy gate (SQLite and PostgreSQL): the purpose is recorded
by the gate and in the manifest, only the purpose's members are exported, and nothing is written over an export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from helpers import grant_personalisation
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import access_log
from museion.privacy.gate import PurposeRefused
from museion.scale.parquet import ExportError, export_events, read_bucket, read_manifest
from museion.scale.partition import member_partition


def test_export_records_the_purpose_and_partitions_by_member_and_month(engine: Engine, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("member,work,kind,value,timestamp\n" + "".join(
        f"m{m},w{w},rating,{1 + (m + w) % 5},{1_700_000_000 + 86_400 * 20 * w}\n" for m in range(12) for w in range(6)),
        encoding="utf-8")
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n" + "".join(f"w{w},film,Film {w}\n" for w in range(6)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), works)
    import_file(engine, ColumnMapping("events", source="t"), events, keep_member_ids=True)
    with pytest.raises(PurposeRefused):  # a purpose that does not cover activity exports nothing
        export_events(engine, tmp_path / "refused", purpose="review_board", actor="test")
    assert not (tmp_path / "refused").exists()
    nobody = export_events(engine, tmp_path / "before-consent", purpose="personalisation", actor="test")
    assert nobody["rows"] == 0  # no member has consented to personalisation yet
    grant_personalisation(engine)

    out = tmp_path / "export"
    manifest = export_events(engine, out, purpose="personalisation", actor="analyst-1", partitions=4, period="month")
    assert manifest["purpose"] == "personalisation" and manifest["rows"] == 72 and manifest["members"] == 12
    assert read_manifest(out)["purpose"] == "personalisation"
    with engine.connect() as conn:
        latest = access_log.recent(conn, limit=1)[0]
    assert latest["purpose"] == "personalisation" and latest["actor"] == "analyst-1" and latest["rows"] == 72

    table = read_bucket(out)
    assert table.num_rows == 72 and sorted(set(table.column("period").to_pylist()))[0].startswith("2023-11")
    buckets = [read_bucket(out, b) for b in range(4)]
    assert sum(b.num_rows for b in buckets) == 72
    for b, part in enumerate(buckets):  # every member's events in its own bucket, and only there
        ids = part.column("member_id").to_numpy()
        assert (member_partition(ids, 4) == b).all()
    assert {p.name.split("=")[0] for p in out.iterdir() if p.is_dir()} == {"member_bucket"}

    with pytest.raises(ExportError, match="already exists"):
        export_events(engine, out, purpose="personalisation", actor="test")
    with pytest.raises(ExportError, match="not a Museion event export"):
        read_manifest(tmp_path)
