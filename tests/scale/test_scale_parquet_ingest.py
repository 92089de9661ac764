"""Events imported from a folder of Parquet files (SQLite and PostgreSQL, generated events labelled as such): a
hive-partitioned folder imports whole through the normal ingest path; a corrupt file, a file with other columns, a bad
row or a Museion worker export is refused with the file (and row) named, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import counts
from museion.cli.main import app as cli
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping

EVENTS = 240


@pytest.fixture
def works(engine: Engine, tmp_path: Path) -> Engine:
    catalogue = tmp_path / "works.csv"
    catalogue.write_text("key,kind,title\n" + "".join(f"w{i},film,Film {i}\n" for i in range(6)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), catalogue)
    return engine


def _events(folder: Path, *, work: str | None = None) -> Path:
    """Generated events written as Spark or Ray Data would: hive partitions by month, several files."""
    months = [f"2024-{m:02d}" for m in (1, 2, 3)]
    table = pa.table({"member": [f"m{i % 20}" for i in range(EVENTS)],
                      "work": [work or f"w{i % 6}" for i in range(EVENTS)],
                      "kind": ["view"] * EVENTS,
                      "timestamp": [f"{months[i % 3]}-{1 + i % 28:02d}T10:{i % 60:02d}:00Z" for i in range(EVENTS)],
                      "month": [months[i % 3] for i in range(EVENTS)]})
    ds.write_dataset(table, folder, format="parquet", partitioning=["month"], partitioning_flavor="hive",
                     max_rows_per_file=50, max_rows_per_group=50, existing_data_behavior="overwrite_or_ignore")
    return folder


def test_a_partitioned_folder_imports_whole_and_bad_files_change_nothing(works: Engine, tmp_path: Path, museion_env: str) -> None:
    run = CliRunner().invoke
    before = counts(works)

    bad_row = _events(tmp_path / "bad-row")
    pq.write_table(pa.table({"member": ["m1"], "work": ["w999"], "kind": ["view"], "timestamp": ["2024-01-05T10:00:00Z"]}),
                   bad_row / "month=2024-03" / "z-extra.parquet")
    refused = run(cli, ["ingest", "events", str(bad_row), "--source", "t"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2 and "unknown work 'w999'" in said and "month=2024-03/z-extra.parquet, line 1" in said, said
    assert counts(works) == before

    corrupt = _events(tmp_path / "corrupt")
    (corrupt / "month=2024-02" / "broken.parquet").write_bytes(b"PAR1 not really")
    refused = run(cli, ["ingest", "events", str(corrupt), "--source", "t"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2 and "month=2024-02/broken.parquet" in said and "not a readable Parquet file" in said
    assert counts(works) == before

    other = _events(tmp_path / "other-columns")
    pq.write_table(pa.table({"member": ["m1"], "work": ["w1"]}), other / "month=2024-01" / "narrow.parquet")
    refused = run(cli, ["ingest", "events", str(other), "--source", "t"])
    assert refused.exit_code == 2 and "differ from the first file's" in " ".join(refused.output.split())

    export = tmp_path / "export"
    export.mkdir()
    pq.write_table(pa.table({"member_id": [1], "work_id": [2], "kind": ["view"]}), export / "part-0.parquet")
    (export / "_export.json").write_text("{}", encoding="utf-8")
    refused = run(cli, ["ingest", "events", str(export), "--source", "t"])
    assert refused.exit_code == 2 and "event export for workers" in " ".join(refused.output.split())
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no .parquet files" in run(cli, ["ingest", "events", str(empty)]).output
    assert counts(works) == before

    good = _events(tmp_path / "good")
    assert len(list(good.rglob("*.parquet"))) >= 6  # several files in several partitions
    done = run(cli, ["ingest", "events", str(good), "--source", "t", "--json"])
    assert done.exit_code == 0, done.output
    after = counts(works)
    assert after["events"] - before["events"] == EVENTS and after["members"] - before["members"] == 20
