"""Member identifiers from users' files become keyed pseudonyms before anything is stored."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from helpers import inspecting
from museion.cli.main import app
from museion.errors import MuseionError
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy.intake import member_keys
from museion.privacy.models import Member
from museion.privacy.pseudonym import ENV_KEY, load_key, pseudonymiser

runner = CliRunner()


def test_pseudonyms_are_keyed_stable_and_per_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    key = load_key(tmp_path)
    assert load_key(tmp_path) == key and oct((tmp_path / "pseudonym.key").stat().st_mode & 0o777) == "0o600"
    shop = pseudonymiser(key, "shop")
    assert shop("ada@example.org") == shop("ada@example.org") != pseudonymiser(key, "app")("ada@example.org")
    assert shop("ada@example.org") != pseudonymiser(b"k" * 32, "shop")("ada@example.org")
    assert len(shop("x")) == 24 and "ada" not in shop("ada@example.org")
    monkeypatch.setenv(ENV_KEY, base64.b64encode(b"short").decode())
    with pytest.raises(MuseionError, match="at least 32 bytes"):
        load_key(tmp_path)


def test_cli_ingest_stores_no_raw_member_ids(engine: Engine, museion_env: str, tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n1,music,Song\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", "works", str(works), "--source", "shop"]).exit_code == 0
    plays = tmp_path / "plays.csv"
    plays.write_text("member,work,kind\nada@example.org,1,play\nbob@example.org,1,play\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "events", str(plays), "--source", "shop"])
    assert result.exit_code == 0, result.output
    expected = runner.invoke(app, ["privacy", "pseudonym", "ada@example.org", "--source", "shop"]).output.strip()
    with engine.connect() as conn, inspecting():
        keys = set(conn.scalars(select(Member.key)))
        dump = " ".join(str(v) for table in ("members", "events", "import_runs")
                        for row in conn.execute(text(f"SELECT * FROM {table}")) for v in row)
    assert expected in keys and len(keys) == 2
    assert "example.org" not in dump
    again = runner.invoke(app, ["ingest", "events", str(plays), "--source", "shop", "--json"])
    assert '"inserted": 0' in again.output  # the same people get the same pseudonyms


def test_every_write_path_pseudonymises_unless_told_the_ids_already_are(engine: Engine, tmp_path: Path) -> None:
    """The library's import (not only the CLI) stores keyed pseudonyms by default; keeping ids is an explicit act."""
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n1,music,Song\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="shop"), works)
    plays = tmp_path / "plays.csv"
    plays.write_text("member,work,kind\nada@example.org,1,play\n", encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="shop"), plays)
    members = tmp_path / "members.csv"
    members.write_text("key,age\nbob@example.org,40\n", encoding="utf-8")
    import_file(engine, ColumnMapping("members", source="shop"), members)
    anonymous = tmp_path / "anonymous.csv"
    anonymous.write_text("member,work,kind\nu123,1,play\n", encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="shop"), anonymous, keep_member_ids=True)
    with engine.connect() as conn, inspecting():
        keys = set(conn.scalars(select(Member.key)))
    assert keys == {member_keys("shop")("ada@example.org"), member_keys("shop")("bob@example.org"), "shop:u123"}
    assert not any("example.org" in key for key in keys)
