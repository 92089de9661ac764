"""The vectorised CSV reader gives exactly the rows, lines and problems of the csv module, whatever the file holds,
and hands over to the csv module mid-file where a block is not plain; event uids are those of the old per-row formula."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museion.errors import InputRejected, Problem
from museion.ingest import readers
from museion.ingest.fastcsv import ColumnRows, plain_block
from museion.ingest.readers import ReadOptions, iter_chunks
from museion.ingest.write import event_uids


def exact(path: Path, options: ReadOptions) -> list[object]:
    """What the line-by-line csv module reads (the reference)."""
    return list(readers._csv_rows(path, options, path.name, None))


def chunked(path: Path, options: ReadOptions) -> list[object]:
    out: list[object] = []
    for rows, problems in iter_chunks(path, options, path.name):
        out += list(rows) + problems
    return sorted(out, key=lambda x: x.line if isinstance(x, Problem) else x[0])  # type: ignore[union-attr,index]


def outcome(fn, path: Path, options: ReadOptions) -> object:  # type: ignore[no-untyped-def]
    try:
        return fn(path, options)
    except InputRejected as exc:
        return ("rejected", [p.as_dict() for p in exc.problems])


cells = st.sampled_from(["1", "22", "", "x y", "Café", "a\"b", '"q,uoted"', "\t", "NA", "null", " 3.5 "])
line_ends = st.sampled_from(["\n", "\r\n", "\n\n", "\r"])


@st.composite
def files(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(1, 4))
    lines = [",".join(f"h{i}" for i in range(width))]
    for _ in range(draw(st.integers(0, 30))):
        lines.append(",".join(draw(st.lists(cells, min_size=1, max_size=5))))
    ending = draw(st.lists(line_ends, min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ending))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"22", b"2\xff", 1)  # an undecodable byte somewhere
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=files(), block=st.sampled_from([8, 32, 1 << 22]), chunk_rows=st.sampled_from([1, 3, 50_000]))
def test_vectorised_reader_equals_the_csv_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block: int,
                                                 chunk_rows: int) -> None:
    monkeypatch.setattr(readers, "BLOCK_BYTES", block)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    options = ReadOptions(chunk_rows=chunk_rows)
    assert outcome(chunked, path, options) == outcome(exact, path, options)


def test_tsv_quotes_are_text_and_gz_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f.tsv.gz"
    path.write_bytes(gzip.compress(b'artist\tplays\n"Weird Al" Yankovic\t3\nB\t4\n'))
    options = ReadOptions(format="tsv")
    assert chunked(path, options) == exact(path, options) == [
        (2, {"artist": '"Weird Al" Yankovic', "plays": "3"}), (3, {"artist": "B", "plays": "4"})]


def test_plain_ratings_come_back_as_column_chunks_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"u,w,r\r\n" + b"".join(f"{i},{i % 7},3.5\r\n".encode() for i in range(10)))
    (rows, problems), = iter_chunks(path, ReadOptions(), path.name)
    assert isinstance(rows, ColumnRows) and problems == []
    assert rows.lines == list(range(2, 12)) and rows.column("r") == ["3.5"] * 10 and rows.column("missing") == [None] * 10


def test_a_line_with_one_field_too_many_is_not_plain() -> None:
    assert plain_block(b"1,2\n3,4\n", 2, ord(","), ord('"'))
    assert not plain_block(b"1,2\n3,4,5\n", 2, ord(","), ord('"'))
    assert not plain_block(b"1,2\n3\n", 2, ord(","), ord('"'))
    assert not plain_block(b'1,"2"\n', 2, ord(","), ord('"'))


values = st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-10, 10).map(lambda i: i / 2))
safe = st.characters(blacklist_categories=("Cs",))
texts = st.one_of(st.none(), st.text(safe, max_size=8))


@given(st.lists(st.tuples(st.text(safe, max_size=6), st.text(safe, max_size=6), st.text(safe, max_size=5), values,
                          st.one_of(st.none(), st.integers(-2**40, 2**40)), texts, texts), max_size=20))
def test_event_uids_equal_the_per_row_formula_they_replace(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    old = [hashlib.blake2b(f"{mk}\x1f{wk}\x1f{kind}\x1f{value!r}\x1f{ts}\x1f{ch}\x1f{lab}".encode(), digest_size=16).digest()
           for mk, wk, kind, value, ts, ch, lab in rows]
    assert event_uids(*(list(col) for col in zip(*rows))) == old if rows else event_uids([], [], [], [], [], [], []) == []
