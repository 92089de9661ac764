"""MovieLens 100K works from a user-supplied folder; tested on small files written in its format."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from helpers import counts, inspecting
from museion.catalog.models import Work
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.errors import InputRejected
from museion.privacy.models import Member


def write_ml100k(folder: Path, *, item_flags: str = "0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|94043\n", encoding="latin-1")
    (folder / "u.item").write_bytes(
        (f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|{item_flags}\n"
         "2|Café au lait (1994)|01-Jan-1994||http://us.imdb.com/x|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n").encode("latin-1"))
    (folder / "u.data").write_text("1\t1\t5\t874965758\n2\t1\t3\t876893171\n2\t2\t4\t878542960\n", encoding="utf-8")
    return folder


def test_members_keep_age_gender_occupation_but_not_zip(engine: Engine, tmp_path: Path) -> None:
    load_dataset(engine, get_dataset("movielens-100k"), write_ml100k(tmp_path / "ml-100k"))
    c = counts(engine)
    assert (c["members"], c["works"], c["events"]) == (2, 2, 3)
    with engine.connect() as conn, inspecting():
        member = conn.execute(select(Member).where(Member.key == "ml100k:1")).mappings().one()
        toy = conn.execute(select(Work.title, Work.year, Work.date_text).where(Work.key == "ml100k:1")).one()
        cafe = conn.scalar(select(Work.title).where(Work.key == "ml100k:2"))
    assert (member["age"], member["gender"], member["occupation"]) == (24, "M", "technician")
    assert "85711" not in repr(dict(member))
    assert toy == ("Toy Story (1995)", 1995, "01-Jan-1995")
    assert cafe == "Café au lait (1994)"  # latin-1 decoded exactly


def test_bad_genre_flag_is_named(engine: Engine, tmp_path: Path) -> None:
    folder = write_ml100k(tmp_path / "ml-100k", item_flags="0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|x")
    with pytest.raises(InputRejected) as err:
        load_dataset(engine, get_dataset("movielens-100k"), folder)
    assert err.value.problems[0].file == "u.item" and err.value.problems[0].line == 1
    assert "genre flags must be 0 or 1" in err.value.problems[0].reason
    assert counts(engine)["members"] == 0  # the whole dataset is one transaction


@pytest.mark.parametrize(("ratings", "line", "reason"), [
    ("1\t1\t5\t874965758\n2\t1\t6\t876893171\n", 2, "6.0 is out of range [1, 5]"),
    ("1\t1\t5\t874965758\n2\t1\t3\t876893171\n2\t2\t3.5\t878542960\n", 3, "3.5 is not on the scale 1..5 in steps of 1"),
    ("", None, "no rows"),
])
def test_ratings_off_the_whole_star_scale_or_missing_are_refused(engine: Engine, tmp_path: Path, ratings: str,
                                                                line: int | None, reason: str) -> None:
    folder = write_ml100k(tmp_path / "ml-100k")
    (folder / "u.data").write_text(ratings, encoding="utf-8")
    with pytest.raises(InputRejected) as err:
        load_dataset(engine, get_dataset("movielens-100k"), folder)
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == ("u.data", line) and reason in problem.reason
    assert problem.column == ("rating" if line else None)
    assert counts(engine)["members"] == 0 and counts(engine)["works"] == 0


def test_titles_with_quotes_are_kept_as_published(engine: Engine, tmp_path: Path) -> None:
    folder = write_ml100k(tmp_path / "ml-100k")
    item = (folder / "u.item").read_bytes().replace(b"Caf\xe9 au lait (1994)", b'"Caf\xe9" au lait (1994)')
    (folder / "u.item").write_bytes(item)
    load_dataset(engine, get_dataset("movielens-100k"), folder)
    with engine.connect() as conn, inspecting():
        assert conn.scalar(select(Work.title).where(Work.key == "ml100k:2")) == '"Café" au lait (1994)'


def test_the_command_line_names_the_file_and_changes_nothing(museion_env: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from museion.cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    folder = write_ml100k(tmp_path / "ml-100k")
    (folder / "u.data").write_text("1\t1\t5\t874965758\n2\t1\t7.5\t876893171\n", encoding="utf-8")
    result = runner.invoke(app, ["datasets", "load", "movielens-100k", "--path", str(folder)])
    out = " ".join(result.output.split())
    assert result.exit_code == 2 and "u.data, line 2, column 'rating': 7.5 is out of range [1, 5]" in out
    assert "nothing was changed" in out and "Traceback" not in out
    (folder / "u.data").write_text("", encoding="utf-8")
    result = runner.invoke(app, ["datasets", "load", "movielens-100k", "--path", str(folder)])
    assert result.exit_code == 2 and "u.data: no rows" in " ".join(result.output.split())
