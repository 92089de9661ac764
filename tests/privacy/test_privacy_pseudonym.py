"""Member identifiers from users' files become keyed pseudonyms before anything is stored."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from museion.cli.main import app
from museion.errors import MuseionError
from museion.privacy.pseudonym import ENV_KEY, load_key, pseudonymiser
from museion.store.models import Member

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
    with engine.connect() as conn:
        keys = set(conn.scalars(select(Member.key)))
        dump = " ".join(str(v) for table in ("members", "events", "import_runs")
                        for row in conn.execute(text(f"SELECT * FROM {table}")) for v in row)
    assert expected in keys and len(keys) == 2
    assert "example.org" not in dump
    again = runner.invoke(app, ["ingest", "events", str(plays), "--source", "shop", "--json"])
    assert '"inserted": 0' in again.output  # the same people get the same pseudonyms
