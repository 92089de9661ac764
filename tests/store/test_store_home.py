"""One default home for `make run` and the `museion` command, and no database created by a look."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from museion.cli.main import app
from museion.config import Settings, get_settings
from museion.errors import MuseionError
from museion.store.session import ready_engine

runner = CliRunner()


def test_the_default_home_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MUSEION_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert Settings().home == tmp_path / "data" / "museion"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert Settings().home == Path.home() / ".local" / "share" / "museion"


def test_the_makefile_leaves_the_home_to_the_settings() -> None:
    """`make run` must not point at a home of its own, or the `museion` command would look elsewhere."""
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    assert "MUSEION_HOME" not in "".join(line.split("#")[0] for line in makefile.splitlines())


def test_a_missing_database_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "museion.db"
    with pytest.raises(MuseionError, match=f"there is no database at {path}"):
        ready_engine(f"sqlite:///{path}")
    assert not path.exists() and not path.parent.exists()


def test_a_read_command_without_a_database_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MUSEION_HOME", str(home))
    monkeypatch.delenv("MUSEION_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    assert "none at" in runner.invoke(app, ["db", "current"]).output
    for command in (["users", "list"], ["catalog", "stats"], ["registry", "list"], ["doctor"]):
        result = runner.invoke(app, command)
        assert result.exit_code != 0 and str(home / "museion.db") in result.output, result.output
    assert not (home / "museion.db").exists()
