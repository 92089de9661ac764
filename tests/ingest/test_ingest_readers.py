"""Readers: every format streams rows with the line they came from, and broken input names its line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museion.errors import InputRejected, Problem
from museion.ingest.readers import ReadOptions, guess_format, iter_chunks, iter_rows, read_header, read_option_problems


def rows(path: Path, **options: object) -> list[object]:
    return list(iter_rows(path, ReadOptions(**options), path.name))  # type: ignore[arg-type]


def test_csv_rows_carry_their_starting_line_even_after_multiline_fields(tmp_path: Path) -> None:
    f = tmp_path / "works.csv"
    f.write_text('key,title\n1,"Two\nlines"\n2,Plain\n', encoding="utf-8")
    assert rows(f) == [(2, {"key": "1", "title": "Two\nlines"}), (4, {"key": "2", "title": "Plain"})]


def test_crlf_and_bom_are_handled_and_text_is_kept_exactly(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_bytes("\ufeffkey,title\r\n1,  Café  \r\n".encode())
    assert read_header(f, ReadOptions(), f.name) == ["key", "title"]
    assert rows(f) == [(2, {"key": "1", "title": "  Café  "})]


def test_truncated_row_is_a_problem_and_reading_goes_on(tmp_path: Path) -> None:
    f = tmp_path / "r.csv"
    f.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n", encoding="utf-8")
    out = rows(f)
    assert out[0] == (2, {"a": "1", "b": "2", "c": "3"})
    assert isinstance(out[1], Problem) and out[1].line == 3 and "expected 3 fields, found 2" in out[1].reason
    assert out[2] == (4, {"a": "6", "b": "7", "c": "8"})


def test_bad_encoding_names_the_exact_line(tmp_path: Path) -> None:
    lines = ["key,title"] + [f"{i},title {i}" for i in range(5000)]
    data = "\n".join(lines).encode() + b"\n9999,caf\xe9\n"
    f = tmp_path / "bad.csv"
    f.write_bytes(data)
    with pytest.raises(InputRejected) as err:
        rows(f)
    problem = err.value.problems[0]
    assert problem.line == 5002 and "utf-8" in problem.reason and "0xe9" in problem.reason


def test_latin1_and_custom_delimiter_without_header(tmp_path: Path) -> None:
    f = tmp_path / "u.item"
    f.write_bytes("1|Café (1995)|x\n".encode("latin-1"))
    out = rows(f, delimiter="|", encoding="latin-1", columns=("id", "title", "x"))
    assert out == [(1, {"id": "1", "title": "Café (1995)", "x": "x"})]


def test_tab_delimiter_can_be_typed_as_backslash_t(tmp_path: Path) -> None:
    f = tmp_path / "plays.txt"
    f.write_text("user\tartist\n1\t2\n", encoding="utf-8")
    assert rows(f, delimiter="\\t") == [(2, {"user": "1", "artist": "2"})]


def test_jsonl_gz_rows_and_bad_json_lines(tmp_path: Path) -> None:
    f = tmp_path / "w.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"key": "a"}) + "\n{oops\n" + json.dumps([1]) + "\n\n" + json.dumps({"key": "b"}) + "\n")
    out = rows(f)
    assert out[0] == (1, {"key": "a"})
    assert isinstance(out[1], Problem) and out[1].line == 2 and "invalid JSON" in out[1].reason
    assert isinstance(out[2], Problem) and out[2].line == 3 and "JSON object" in out[2].reason
    assert out[3] == (5, {"key": "b"})


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    f = tmp_path / "e.parquet"
    pq.write_table(pa.table({"member": ["m1", "m2"], "value": [1.5, 2.0]}), f)
    assert read_header(f, ReadOptions(), f.name) == ["member", "value"]
    assert rows(f) == [(1, {"member": "m1", "value": 1.5}), (2, {"member": "m2", "value": 2.0})]


def test_corrupt_parquet_is_rejected_clearly(tmp_path: Path) -> None:
    f = tmp_path / "bad.parquet"
    f.write_bytes(b"not parquet at all")
    with pytest.raises(InputRejected, match="not a readable Parquet file"):
        read_header(f, ReadOptions(), f.name)


def test_empty_file_needs_a_header(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_text("", encoding="utf-8")
    with pytest.raises(InputRejected, match="empty"):
        rows(f)


def test_chunks_never_exceed_the_chunk_size_and_progress_reaches_file_size(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    f.write_text("a\n" + "".join(f"{i}\n" for i in range(25_000)), encoding="utf-8")
    seen: list[int] = []
    chunks = list(iter_chunks(f, ReadOptions(chunk_rows=10_000), f.name, seen.append))
    assert [len(rows_) for rows_, _ in chunks] == [10_000, 10_000, 5_000]
    assert sum(seen) == f.stat().st_size


@pytest.mark.parametrize(("name", "fmt"), [("a.csv", "csv"), ("a.tsv", "tsv"), ("a.csv.gz", "csv"),
                                            ("a.jsonl", "jsonl"), ("a.parquet", "parquet"), ("plays.dat", "tsv")])
def test_format_is_guessed_from_the_name(name: str, fmt: str) -> None:
    assert guess_format(Path(name)) == fmt


LASTFM_ARTISTS = (  # the shape of a public music dataset's artists.dat: tab-separated, no quoting, quotes inside names
    "id\tname\turl\tpictureURL\n"
    "1\tMALICE MIZER\thttp://www.last.fm/music/MALICE+MIZER\thttp://userserve-ak.last.fm/serve/252/10808.jpg\n"
    '5\t"Weird Al" Yankovic\thttp://www.last.fm/music/%22Weird+Al%22+Yankovic\t\n'
    "9\tCrosby, Stills, Nash & Young\thttp://www.last.fm/music/Crosby,+Stills,+Nash+&+Young\t\n"
    '12\tThe "Fabulous" Thunderbirds\t\t\n'
)


@pytest.mark.parametrize("name", ["artists.dat", "artists.tsv", "artists.tab", "artists.tsv.gz"])
def test_tab_separated_files_are_read_without_quote_processing(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    data = LASTFM_ARTISTS.encode()
    f.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    out = rows(f)
    assert [r[1]["name"] for r in out] == [  # type: ignore[index]
        "MALICE MIZER", '"Weird Al" Yankovic', "Crosby, Stills, Nash & Young", 'The "Fabulous" Thunderbirds']
    assert [r[0] for r in out] == [2, 3, 4, 5]  # type: ignore[index]


def test_format_tsv_and_quote_none_turn_quoting_off_for_any_name(tmp_path: Path) -> None:
    f = tmp_path / "artists.txt"
    f.write_text(LASTFM_ARTISTS, encoding="utf-8")
    assert rows(f, format="tsv")[1][1]["name"] == '"Weird Al" Yankovic'  # type: ignore[index]
    assert rows(f, delimiter="\\t", quote="none")[1][1]["name"] == '"Weird Al" Yankovic'  # type: ignore[index]


def test_quoting_asked_for_on_a_tsv_reads_quoted_values_and_names_a_malformed_line(tmp_path: Path) -> None:
    f = tmp_path / "quoted.tsv"
    f.write_text('id\tname\n1\t"tab\there"\n', encoding="utf-8")
    assert rows(f, quote='"') == [(2, {"id": "1", "name": "tab\there"})]
    g = tmp_path / "artists.tsv"
    g.write_text(LASTFM_ARTISTS, encoding="utf-8")
    with pytest.raises(InputRejected) as err:
        rows(g, quote='"')
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == ("artists.tsv", 3)
    assert "malformed CSV" in problem.reason and "--quote none" in problem.reason


def test_csv_keeps_standard_quoting_and_another_quote_character_can_be_chosen(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_text("key,title\n1,\"Heat, the film\"\n2,'Ronin, too'\n", encoding="utf-8")
    assert rows(f)[0] == (2, {"key": "1", "title": "Heat, the film"})
    assert isinstance(rows(f)[1], Problem)  # 'Ronin, too' splits: 3 fields, reported on its line
    assert rows(f, quote="'")[1] == (3, {"key": "2", "title": "Ronin, too"})


def test_header_of_an_unquoted_tsv_is_read_the_same_way(tmp_path: Path) -> None:
    f = tmp_path / "odd.tsv"
    f.write_text('"id\t"name\n1\tx\n', encoding="utf-8")
    assert read_header(f, ReadOptions(), f.name) == ['"id', '"name']


@pytest.mark.parametrize(("options", "column"), [
    ({"quote": "''"}, "quote"), ({"delimiter": ";;"}, "delimiter"), ({"format": "xml"}, "format")])
def test_read_settings_that_cannot_work_are_named(options: dict[str, str], column: str) -> None:
    problems = read_option_problems(ReadOptions(**options), "map.toml")  # type: ignore[arg-type]
    assert [(p.file, p.column) for p in problems] == [("map.toml", column)]
    assert read_option_problems(ReadOptions(quote="none", delimiter="\\t", format="tsv"), "x") == []


def test_a_delimiter_outside_ascii_is_taken_as_typed(tmp_path: Path) -> None:
    f = tmp_path / "馆藏.txt"
    f.write_text("编号，题名\n1，红楼梦\n", encoding="utf-8")
    assert rows(f, delimiter="，") == [(2, {"编号": "1", "题名": "红楼梦"})]
    assert read_option_problems(ReadOptions(delimiter="，，"), "x")[0].column == "delimiter"
