"""The `museion` command line: clear output, JSON where asked, exit codes, and no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import require_dataset
from museion.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_help_teaches_the_commands() -> None:
    code, out = run("--help")
    assert code == 0
    for command in ("init", "datasets", "ingest", "catalog", "export", "serve", "demo"):
        assert command in out
    code, out = run("ingest", "events", "--help")
    assert code == 0 and "member*" in out and "--column" in out


def test_commands_before_init_explain_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from museion.config import get_settings

    monkeypatch.setenv("MUSEION_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    get_settings.cache_clear()
    code, out = run("catalog", "stats")
    get_settings.cache_clear()
    assert code == 1 and "museion init" in out and "Traceback" not in out


def test_ingest_stats_and_export(museion_env: str, tmp_path: Path) -> None:
    assert run("init")[0] == 0
    works = tmp_path / "works.tsv"
    works.write_text("id\tname\tstyle\n1\tHeat\tCrime\n2\t@SUM(A1)\tDrama\n", encoding="utf-8")
    code, out = run("ingest", "works", str(works), "--column", "key=id", "--column", "title=name", "--column", "genres=style",
                    "--kind", "film", "--source", "shop", "--json")
    assert code == 0, out
    assert json.loads(out)[0]["inserted"] == 2
    plays = tmp_path / "plays.csv"
    plays.write_text("userID,artistID,weight\n7,1,12\n8,2,3\n", encoding="utf-8")
    code, out = run("ingest", "events", str(plays), "-c", "member=userID", "-c", "work=artistID", "-c", "value=weight",
                    "--kind", "play", "--source", "shop")
    assert code == 0, out
    code, out = run("catalog", "stats", "--json")
    stats = json.loads(out)
    assert (stats["works"], stats["members"], stats["events"]) == (2, 2, 2)
    assert stats["events_by_kind"] == {"play": None}  # two members are too few to publish a count about
    table = run("catalog", "stats")[1]  # the table shows what the JSON does, by source included
    assert "works · source shop" in table and "events · kind play" in table and "suppressed" in table
    target = tmp_path / "out.csv"
    code, out = run("export", "works", "--format", "csv", "--output", str(target))
    assert code == 0 and "'@SUM(A1)" in target.read_text(encoding="utf-8")
    code, out = run("export", "works", "--format", "jsonld")
    assert code == 0 and json.loads(out)["@graph"][0]["@type"] == "Movie"


def test_rejected_input_lists_problems_and_exits_2(museion_env: str, tmp_path: Path) -> None:
    run("init")
    bad = tmp_path / "events.csv"
    bad.write_text("member,work,kind,value\nm1,404,view,1\nm2,405,watch,x\n", encoding="utf-8")
    code, out = run("ingest", "events", str(bad))
    assert code == 2
    assert "line 3, column 'kind'" in out and "line 3, column 'value'" in out and "nothing was changed" in out
    assert "Traceback" not in out
    code, out = run("ingest", "events", str(tmp_path / "missing.csv"))
    assert code == 2 and "file not found" in out
    code, out = run("ingest", "works", str(bad), "--column", "nonsense")
    assert code == 2 and "expected FIELD=VALUE" in out
    code, out = run("export", "works", "--format", "xml")
    assert code == 1 and "unknown format 'xml'" in out


def test_datasets_list_and_unknown_dataset(museion_env: str) -> None:
    code, out = run("datasets", "list", "--json")
    names = {d["name"]: d for d in json.loads(out)}
    assert {"movielens-latest-small", "movielens-100k", "tate", "moma"} <= set(names)
    assert names["movielens-100k"]["redistributable"] is False
    code, out = run("datasets", "load", "no-such-data")
    assert code == 1 and "unknown dataset 'no-such-data'" in out


def test_datasets_load_twice_changes_no_count(museion_env: str) -> None:
    require_dataset("movielens-latest-small")
    run("init")
    code, out = run("datasets", "load", "movielens-latest-small", "--verify", "--json")
    assert code == 0, out
    first = json.loads(run("catalog", "stats", "--json")[1])
    assert (first["works"], first["members"], first["events_by_kind"]["rating"]) == (9742, 610, 100_836)
    code, out = run("datasets", "load", "movielens-latest-small", "--json")
    assert all(r["inserted"] == 0 and r["updated"] == 0 for r in json.loads(out))
    second = json.loads(run("catalog", "stats", "--json")[1])
    assert {k: v for k, v in second.items() if k != "imports"} == {k: v for k, v in first.items() if k != "imports"}


def test_help_reads_cleanly() -> None:
    """Flags show no value type, placeholders survive the markdown help, and the first commands are the first steps."""
    code, out = run("--help")
    assert code == 0 and "<bool>" not in out
    listed = [line.split()[1] for line in out.split("Commands", 1)[1].splitlines() if line.startswith("│ ") and len(line) > 3
              and line[2] != " "]  # a command's first line: its name right after the border
    assert listed[:4] == ["init", "demo", "serve", "doctor"], listed
    assert "replaced by <TYPE>." in run("privacy", "redact", "--help")[1]
