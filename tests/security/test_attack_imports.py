"""Attack (issue 21, item 10): an import started while another holds the store waits, then fails cleanly with a retry
hint, and a clash it could not prevent is a Conflict naming what to do, never a driver traceback; nothing is partial."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from helpers import inspecting
from museion.cli.main import app
from museion.errors import Conflict
from museion.ingest import load
from museion.ingest.load import ImportBusy, import_file, import_transaction
from museion.ingest.mapping import ColumnMapping
from museion.privacy.models import Member


def _members(tmp_path: Path) -> Path:
    path = tmp_path / "members.csv"
    path.write_text("key,gender\n" + "".join(f"m{n},female\n" for n in range(200)), encoding="utf-8")
    return path


def _member_count(engine: Engine) -> int:
    with engine.connect() as conn, inspecting():
        return int(conn.scalar(select(func.count()).select_from(Member)) or 0)


def test_an_import_waits_for_one_in_progress_then_fails_with_a_retry_hint(engine: Engine, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch,
                                                                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(load, "IMPORT_WAIT_SECONDS", 0.5)
    with import_transaction(engine):  # another import holds the store
        with pytest.raises(ImportBusy, match="another import is writing to the store.*retry when it has finished"):
            import_file(engine, ColumnMapping("members", source="s"), _members(tmp_path), keep_member_ids=True)
    assert "waiting for another import to finish" in caplog.text
    assert _member_count(engine) == 0
    import_file(engine, ColumnMapping("members", source="s"), _members(tmp_path), keep_member_ids=True)  # then it lands
    assert _member_count(engine) == 200


def test_the_cli_says_so_without_a_traceback(museion_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from museion.store.engine import make_engine

    monkeypatch.setattr(load, "IMPORT_WAIT_SECONDS", 0.3)
    engine = make_engine(museion_env)
    try:
        with import_transaction(engine):
            result = CliRunner().invoke(app, ["ingest", "members", str(_members(tmp_path)), "--source", "s"])
    finally:
        engine.dispose()
    assert result.exit_code != 0
    assert "retry when it has finished" in result.output and "Traceback" not in result.output


def test_a_unique_clash_inside_an_import_is_a_conflict_and_rolls_back(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(Conflict, match="nothing was imported: retry the import"):
        with import_transaction(engine) as conn:
            import_file(conn, ColumnMapping("members", source="s"), _members(tmp_path), keep_member_ids=True)
            conn.exec_driver_sql("CREATE TEMPORARY TABLE clash (k INTEGER PRIMARY KEY)")
            conn.exec_driver_sql("INSERT INTO clash VALUES (1)")
            conn.exec_driver_sql("INSERT INTO clash VALUES (1)")  # what a concurrent writer's new member would raise
    assert _member_count(engine) == 0
