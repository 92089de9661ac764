"""Imports against real databases: atomic, idempotent, and explicit about every rejected row."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select

from helpers import counts, inspecting
from museion.catalog.models import Creator, Work
from museion.errors import InputRejected
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.ingest.models import ImportRun
from museion.privacy.models import Event, Member

WORKS_CSV = "key,kind,title,year,genres,creators\n1,film,Heat,1995,Crime|Drama,c1\n2,film,Ronin,1998,Action,c1|c2\n3,book,=HYPERLINK(\"x\"),,,\n"
CREATORS_CSV = "key,name,gender,birth_year\nc1,Michael Mann,Male,1943\nc2,John Frankenheimer,Male,1930\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    import_file(engine, ColumnMapping("creators", source="s"), write(tmp_path, "creators.csv", CREATORS_CSV))
    import_file(engine, ColumnMapping("works", source="s"), write(tmp_path, "works.csv", WORKS_CSV))
    return engine


def test_works_land_with_terms_credits_and_exact_text(catalogue: Engine) -> None:
    c = counts(catalogue)
    assert (c["works"], c["creators"], c["credits"], c["terms"]) == (3, 2, 3, 3)
    with catalogue.connect() as conn, inspecting():
        assert conn.scalar(select(Work.title).where(Work.key == "s:3")) == '=HYPERLINK("x")'
        assert conn.scalar(select(Creator.birth_year).where(Creator.key == "s:c1")) == 1943


def test_reimporting_the_same_files_changes_nothing(catalogue: Engine, tmp_path: Path) -> None:
    before = counts(catalogue)
    report = import_file(catalogue, ColumnMapping("works", source="s"), tmp_path / "works.csv")
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 3)
    assert counts(catalogue) == before


def test_changed_rows_are_updated_and_their_links_replaced(catalogue: Engine, tmp_path: Path) -> None:
    changed = WORKS_CSV.replace("Ronin,1998,Action,c1|c2", "Ronin,1998,Thriller,c2")
    report = import_file(catalogue, ColumnMapping("works", source="s"), write(tmp_path, "works2.csv", changed))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    c = counts(catalogue)
    assert (c["credits"], c["terms"]) == (2, 3)


def test_events_create_members_and_dedupe_on_reimport(catalogue: Engine, tmp_path: Path) -> None:
    f = write(tmp_path, "plays.tsv", "userID\tartistID\tweight\n10\t1\t5\n10\t2\t3\n11\t1\t1\n11\t1\t1\n")
    mapping = ColumnMapping("events", source="s").with_overrides(
        columns={"member": "userID", "work": "artistID", "value": "weight"}, constants={"kind": "play"})
    first = import_file(catalogue, mapping, f, keep_member_ids=True)
    assert (first.rows_read, first.inserted, first.unchanged) == (4, 3, 1)  # the exact duplicate counts once
    again = import_file(catalogue, mapping, f, keep_member_ids=True)
    assert (again.inserted, again.unchanged) == (0, 4)
    c = counts(catalogue)
    assert (c["members"], c["events"]) == (2, 3)
    with catalogue.connect() as conn, inspecting():
        assert set(conn.scalars(select(Member.key))) == {"s:10", "s:11"}
        assert conn.scalar(select(Event.occurred_at).limit(1)) is None  # events may lack timestamps
        assert conn.scalar(select(ImportRun.inserted).order_by(ImportRun.id.desc()).limit(1)) == 0


def test_a_bad_row_anywhere_rejects_the_whole_file_and_changes_nothing(catalogue: Engine, tmp_path: Path) -> None:
    good = "".join(f"m{i},1,rating,{i % 5 + 1}\n" for i in range(120_000))
    f = write(tmp_path, "ratings.csv", "member,work,kind,value\n" + good + "m9,2,rating,oops\n")
    before = counts(catalogue)
    with pytest.raises(InputRejected) as err:
        import_file(catalogue, ColumnMapping("events", source="s"), f, keep_member_ids=True)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (120_002, "value")
    assert "expected a number, found 'oops'" in problem.reason
    assert counts(catalogue) == before


def test_unknown_work_is_named_and_nothing_lands(catalogue: Engine, tmp_path: Path) -> None:
    f = write(tmp_path, "e.csv", "member,work,kind\nm1,1,view\nm2,404,view\n")
    with pytest.raises(InputRejected) as err:
        import_file(catalogue, ColumnMapping("events", source="s"), f, keep_member_ids=True)
    assert [(p.line, p.column) for p in err.value.problems] == [(3, "work")]
    assert "unknown work '404'" in err.value.problems[0].reason
    assert counts(catalogue)["members"] == 0


def test_unknown_creator_and_duplicate_keys_are_rejected(engine: Engine, tmp_path: Path) -> None:
    f = write(tmp_path, "w.csv", "key,kind,title,creators\n1,film,A,nobody\n2,film,B,\n2,film,C,\n")
    with pytest.raises(InputRejected) as err:
        import_file(engine, ColumnMapping("works"), f)
    reasons = {p.line: p.reason for p in err.value.problems}
    assert "unknown creator 'nobody'" in reasons[2] and "duplicate key '2', first on line 3" in reasons[4]
    assert counts(engine)["works"] == 0


def test_missing_column_and_unmapped_required_field(engine: Engine, tmp_path: Path) -> None:
    f = write(tmp_path, "e.csv", "user,item\n1,2\n")
    with pytest.raises(InputRejected) as err:
        import_file(engine, ColumnMapping("events", columns={"member": "userId", "work": "item"}), f, keep_member_ids=True)
    text = "\n".join(map(str, err.value.problems))
    assert "column 'userId': column not found" in text and "required field 'kind' has no column" in text


def test_mapping_file_with_latin1_tsv(engine: Engine, tmp_path: Path) -> None:
    mapping_file = write(tmp_path, "map.toml", """
entity = "works"
source = "label"
format = "csv"
delimiter = ";"
encoding = "latin-1"
list_separator = ","
[columns]
key = "Nr"
title = "Titel"
genres = "Stil"
"external_ids.isrc" = "ISRC"
[constants]
kind = "music"
""")
    data = tmp_path / "katalog.txt"
    data.write_bytes("Nr;Titel;Stil;ISRC\n7;Mädchen;Pop, Rock;DEA123\n".encode("latin-1"))
    import_file(engine, ColumnMapping.from_file(mapping_file), data)
    with engine.connect() as conn, inspecting():
        work = conn.execute(select(Work.title, Work.kind, Work.external_ids).where(Work.key == "label:7")).one()
    assert work == ("Mädchen", "music", {"isrc": "DEA123"})


def test_mapping_file_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="unknown mapping setting"):
        ColumnMapping.from_file(write(tmp_path, "a.toml", 'entity = "works"\ncolumnz = {}\n'))
    with pytest.raises(InputRejected, match="have no field 'titel'"):
        ColumnMapping.from_file(write(tmp_path, "b.toml", 'entity = "works"\n[columns]\ntitel = "x"\n'))
    with pytest.raises(InputRejected, match="not a valid TOML"):
        ColumnMapping.from_file(write(tmp_path, "c.toml", "entity = \n"))


def test_jsonl_and_parquet_imports(engine: Engine, tmp_path: Path) -> None:
    jl = write(tmp_path, "w.jsonl", "\n".join(json.dumps(r) for r in [
        {"key": "a", "kind": "artwork", "title": "Ship", "year": 1929, "subjects": ["sea", "boat"]},
        {"key": "b", "kind": "artwork", "title": "Zebra"}]) + "\n")
    import_file(engine, ColumnMapping("works"), jl)
    pq.write_table(pa.table({"m": ["x", "y"], "w": ["a", "b"], "t": [1537799250, None]}), tmp_path / "e.parquet")
    mapping = ColumnMapping("events", columns={"member": "m", "work": "w", "timestamp": "t"}, constants={"kind": "visit"})
    report = import_file(engine, mapping, tmp_path / "e.parquet")
    assert report.inserted == 2
    assert counts(engine)["terms"] == 2


def test_jsonl_missing_required_key_names_line(engine: Engine, tmp_path: Path) -> None:
    jl = write(tmp_path, "w.jsonl", json.dumps({"key": "a", "kind": "film"}) + "\n")
    with pytest.raises(InputRejected) as err:
        import_file(engine, ColumnMapping("works"), jl)
    assert (err.value.problems[0].line, err.value.problems[0].column) == (1, "title")
