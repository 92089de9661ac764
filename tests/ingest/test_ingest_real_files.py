"""Files real users have: unquoted public TSVs, declared value domains, files with no rows, hints that fit the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from helpers import counts, inspecting
from museion.catalog.models import Work
from museion.errors import InputRejected
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.ingest.problems import RepeatedProblem
from museion.ingest.readers import ReadOptions
from museion.ingest.schema import Domain
from museion.privacy.models import Event

ARTISTS = (  # generated in the shape of the public Last.fm (hetrec2011-lastfm-2k) artists.dat: tabs, no quoting
    "id\tname\turl\tpictureURL\n"
    "1\tMALICE MIZER\thttp://www.last.fm/music/MALICE+MIZER\thttp://userserve-ak.last.fm/serve/252/10808.jpg\n"
    '5\t"Weird Al" Yankovic\thttp://www.last.fm/music/%22Weird+Al%22+Yankovic\thttp://userserve-ak.last.fm/serve/252/3.jpg\n'
    "9\tCrosby, Stills, Nash & Young\thttp://www.last.fm/music/Crosby,+Stills,+Nash+&+Young\t\n"
)
USER_ARTISTS = "userID\tartistID\tweight\n2\t1\t13883\n2\t5\t11690\n3\t9\t228\n"
LASTFM_WORKS = ColumnMapping("works", source="lastfm", columns={"key": "id", "title": "name", "external_ids.url": "url"},
                             constants={"kind": "music"})
PLAYS = ColumnMapping("events", source="lastfm", columns={"member": "userID", "work": "artistID", "value": "weight"},
                      constants={"kind": "play"})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rejected(engine: Engine, mapping: ColumnMapping, path: Path, **kw: object) -> InputRejected:
    before = counts(engine)
    with pytest.raises(InputRejected) as err:
        import_file(engine, mapping, path, **kw)  # type: ignore[arg-type]
    assert counts(engine) == before  # nothing half-written
    return err.value


def test_an_unquoted_public_tsv_loads_verbatim(engine: Engine, tmp_path: Path) -> None:
    artists = write(tmp_path, "artists.dat", ARTISTS)
    assert import_file(engine, LASTFM_WORKS, artists).inserted == 3
    assert import_file(engine, PLAYS, write(tmp_path, "user_artists.dat", USER_ARTISTS)).inserted == 3
    with engine.connect() as conn, inspecting():
        weird = conn.execute(select(Work.title, Work.external_ids).where(Work.key == "lastfm:5")).one()
        assert sorted(conn.scalars(select(Event.value))) == [228, 11690, 13883]
    assert weird == ('"Weird Al" Yankovic', {"url": "http://www.last.fm/music/%22Weird+Al%22+Yankovic"})


def test_asking_for_quotes_on_that_file_names_the_line_and_the_way_out(engine: Engine, tmp_path: Path) -> None:
    artists = write(tmp_path, "artists.dat", ARTISTS)
    err = rejected(engine, LASTFM_WORKS.with_overrides(quote='"'), artists)
    (problem,) = err.problems
    assert (problem.file, problem.line) == ("artists.dat", 3) and "--quote none" in problem.reason


def test_a_mapping_file_sets_quoting_domains_and_renames(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, LASTFM_WORKS, write(tmp_path, "artists.dat", ARTISTS))
    mapping_file = write(tmp_path, "loans.toml", """
entity = "events"
source = "lastfm"
format = "csv"
delimiter = ";"
quote = "none"
[columns]
member = "borrower"
work = "item"
kind = "what"
value = "stars"
[domains]
value = "1..5/1"
[map.kind]
loan = "borrow"
"on loan" = "borrow"
""")
    mapping = ColumnMapping.from_file(mapping_file)
    assert (mapping.read.quote, mapping.domains, mapping.value_maps) == (
        "none", {"value": Domain(1, 5, 1)}, {"kind": {"loan": "borrow", "on loan": "borrow"}})
    loans = write(tmp_path, "loans.csv", 'borrower;item;what;stars\n"P1";1;loan;4\n"P1";5;on loan;\n')
    assert import_file(engine, mapping, loans).inserted == 2
    with engine.connect() as conn, inspecting():
        assert set(conn.scalars(select(Event.kind))) == {"borrow"}
    off_scale = write(tmp_path, "loans2.csv", "borrower;item;what;stars\nP2;1;loan;4.5\nP2;5;loan;6\n")
    err = rejected(engine, mapping, off_scale)
    assert [(p.line, p.column, p.reason) for p in err.problems] == [
        (2, "stars", "4.5 is not on the scale 1..5 in steps of 1"), (3, "stars", "6.0 is out of range [1, 5]")]


@pytest.mark.parametrize(("toml", "column", "reason"), [
    ('[domains]\nvalue = "5..1"', "domain value", "above the high end"),
    ('[domains]\nlabel = "0..1"', "domain label", "fits only numbers"),
    ('[domains]\nmood = "0..1"', "domain mood", "have no field 'mood'"),
    ('[map]\nkind = "borrow"', "map", "[map.kind]"),
    ('[map.mood]\na = "b"', "mood", "have no field 'mood'"),
    ('quote = "<<"', "quote", "one character"),
])
def test_mapping_file_mistakes_in_the_new_settings_are_named(tmp_path: Path, toml: str, column: str, reason: str) -> None:
    path = write(tmp_path, "m.toml", f'entity = "events"\n{toml}\n')
    with pytest.raises(InputRejected) as err:
        ColumnMapping.from_file(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.column) == (str(path), column) and reason in problem.reason


def test_a_file_with_a_header_and_no_rows_warns_or_is_refused(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, LASTFM_WORKS, write(tmp_path, "artists.dat", ARTISTS))
    empty = write(tmp_path, "user_artists.dat", "userID\tartistID\tweight\n\n")
    report = import_file(engine, PLAYS, empty)
    assert (report.rows_read, report.inserted) == (0, 0)
    assert [str(w) for w in report.warnings] == ["user_artists.dat: no rows: the file holds no data rows"]
    assert report.as_dict()["warnings"] == [{"file": "user_artists.dat", "line": None, "column": None,
                                             "reason": "no rows: the file holds no data rows"}]
    err = rejected(engine, PLAYS, empty, require_rows=True)
    assert err.problems[0].file == "user_artists.dat" and "no rows" in err.problems[0].reason
    assert import_file(engine, PLAYS, write(tmp_path, "plays.dat", USER_ARTISTS), require_rows=True).warnings == ()


def test_a_missing_kind_suggests_the_flag_and_a_missing_column_lists_the_file_and_the_likeliest(engine: Engine, tmp_path: Path) -> None:
    loans = write(tmp_path, "loans.csv", "Borrower,Item\nP1,1\n")
    err = rejected(engine, ColumnMapping("events", columns={"member": "borrower", "work": "Item"}), loans)
    text = "\n".join(map(str, err.problems))
    assert "column 'borrower': column not found (mapped to field 'member'); did you mean --column member=Borrower?" in text
    assert "the file has: Borrower, Item" in text
    assert "required field 'kind' has no column; give every row the same one with --kind VALUE (one of: bookmark, borrow" in text
    assert "or take it from a column with --column kind=COLUMN (the file has: Borrower, Item)" in text
    works = write(tmp_path, "books.csv", "id,Title\n1,Emma\n")
    err = rejected(engine, ColumnMapping("works", columns={"key": "id"}, constants={"kind": "book"}), works)
    assert "required field 'title' has no column; add --column title=Title (the file has: id, Title)" in str(err.problems[0])


def test_a_problem_on_many_rows_in_many_chunks_is_reported_once_with_its_count(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, LASTFM_WORKS, write(tmp_path, "artists.dat", ARTISTS))
    rows = "".join(f"P{i}\t{1 if i % 7 else 1000 + i}\t{'x' if i == 30 else 1}\n" for i in range(1, 101))
    plays = write(tmp_path, "plays.tsv", "userID\tartistID\tweight\n" + rows)
    err = rejected(engine, PLAYS.with_overrides(chunk_rows=10), plays, max_errors=5)
    work, weight = sorted(err.problems, key=lambda p: p.column or "")
    assert isinstance(work, RepeatedProblem) and (work.count, work.lines) == (14, (8, 15, 22))
    assert str(work).startswith("plays.tsv, lines 8, 15, 22 and 11 more, column 'artistID': unknown work '1007'")
    assert (weight.line, weight.column) == (31, "weight") and not err.truncated


def test_max_errors_counts_kinds_of_problem(engine: Engine, tmp_path: Path) -> None:
    rows = "".join(f"{i},{'sculpture' if i % 2 else 'film'},T,{'x' * (i % 2)}{1900 + i}\n" for i in range(60))
    works = write(tmp_path, "w.csv", "key,kind,title,year\n" + rows + "a,film,\n")
    err = rejected(engine, ColumnMapping("works"), works, max_errors=3)
    assert len(err.problems) == 3 and {p.count for p in err.problems if isinstance(p, RepeatedProblem)} == {30}  # type: ignore[union-attr]
    err = rejected(engine, ColumnMapping("works"), works, max_errors=2)
    assert len(err.problems) == 2 and err.truncated


def test_the_reader_options_reach_the_import(engine: Engine, tmp_path: Path) -> None:
    books = write(tmp_path, "books.txt", 'key|title\n1|"Emma" (annotated)\n')
    mapping = ColumnMapping("works", constants={"kind": "book"}, read=ReadOptions(delimiter="|", quote="none"))
    import_file(engine, mapping, books)
    with engine.connect() as conn, inspecting():
        assert conn.scalar(select(Work.title)) == '"Emma" (annotated)'
