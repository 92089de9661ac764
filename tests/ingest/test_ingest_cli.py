"""`museion ingest` with the flags real files need: --quote, --domain, --map, and loud warnings for empty files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from museion.cli.main import app

runner = CliRunner()
ARTISTS = (
    "id\tname\turl\tpictureURL\n"
    "1\tMALICE MIZER\thttp://www.last.fm/music/MALICE+MIZER\t\n"
    '5\t"Weird Al" Yankovic\thttp://www.last.fm/music/%22Weird+Al%22+Yankovic\t\n'
)


def run(*args: str) -> tuple[int, str]:
    """Exit code and output, with the console's line wrapping undone."""
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def test_an_unquoted_tsv_loads_and_values_are_mapped_and_checked(museion_env: str, tmp_path: Path) -> None:
    assert run("init")[0] == 0
    artists = tmp_path / "artists.dat"
    artists.write_text(ARTISTS, encoding="utf-8")
    code, out = run("ingest", "works", str(artists), "-c", "key=id", "-c", "title=name", "--kind", "music",
                    "--source", "lastfm", "--json")
    assert code == 0, out
    assert json.loads(out)[0]["inserted"] == 2
    code, out = run("ingest", "works", str(artists), "-c", "key=id", "-c", "title=name", "--kind", "music",
                    "--source", "other", "--quote", '"')
    assert code == 2 and "line 3: malformed CSV" in out and "--quote none" in out
    loans = tmp_path / "loans.csv"
    loans.write_text("member,work,what,stars\nP1,1,loan,4\nP2,5,Loan,5\nP3,5,visit,\n", encoding="utf-8")
    args = ["ingest", "events", str(loans), "-c", "kind=what", "-c", "value=stars", "--source", "lastfm"]
    code, out = run(*args, "--map", "kind=loan:borrow,Loan:borrow", "--domain", "value=1..5/1", "--json")
    assert code == 0, out
    assert json.loads(out)[0]["inserted"] == 3
    code, out = run(*args, "--domain", "value=1..4")
    assert code == 2 and "line 3, column 'stars': 5.0 is out of range [1, 4]" in out and "nothing was changed" in out
    assert "line 2, column 'what': 'loan' is not one of:" in out and "--map kind=loan:VALUE" in out


def test_flag_mistakes_are_named_without_a_traceback(museion_env: str, tmp_path: Path) -> None:
    run("init")
    loans = tmp_path / "loans.csv"
    loans.write_text("member,work\nP1,1\n", encoding="utf-8")
    for flags, message in ((["--map", "kind=loan"], "expected FIELD=FROM:TO"), (["--domain", "value=5..1"], "above the high end"),
                           (["--quote", "ab"], "expected 'auto', 'none' or one character"),
                           (["--domain", "kind=borrow|lost"], "'lost' is not one of the kind values")):
        code, out = run("ingest", "events", str(loans), *flags)
        assert code == 2 and message in out and "Traceback" not in out, (flags, out)
    code, out = run("ingest", "events", str(loans))
    assert code == 2 and "--kind VALUE" in out and "the file has: member, work" in out


def test_an_empty_file_is_imported_with_a_loud_warning(museion_env: str, tmp_path: Path) -> None:
    run("init")
    empty = tmp_path / "loans.csv"
    empty.write_text("member,work,kind\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "events", str(empty), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["rows_read"] == 0
    assert "warning:" in result.stderr and "no rows" in result.stderr and "loans.csv" in result.stderr
    code, out = run("ingest", "events", str(empty))
    assert code == 0 and "warning:" in out and "no rows" in out
