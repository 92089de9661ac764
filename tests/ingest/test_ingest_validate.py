"""Validation: typed conversion by column, every problem named by line and column, properties by hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from museion.ingest.schema import EVENT_KINDS, EVENTS, WORKS
from museion.ingest.validate import ChunkValidator

EVENT_FIELDS = {"member": "user", "work": "item", "kind": "kind", "value": "score", "timestamp": "when"}


def events_validator(**kw: object) -> ChunkValidator:
    return ChunkValidator(EVENTS, EVENT_FIELDS, {}, "e.csv", **kw)  # type: ignore[arg-type]


def test_good_rows_become_typed_columns() -> None:
    chunk, problems = events_validator().validate([
        (2, {"user": "u1", "item": "w1", "kind": "play", "score": "3.5", "when": "964982703"}),
        (3, {"user": "u2", "item": "w2", "kind": "rating", "score": "", "when": "2018-09-26T10:00:00Z"}),
    ])
    assert problems == []
    assert chunk.lines == [2, 3]
    assert chunk.columns["value"] == [3.5, None]
    assert chunk.columns["timestamp"] == [964982703, int(datetime(2018, 9, 26, 10, tzinfo=UTC).timestamp())]
    assert chunk.columns["channel"] == [None, None]


def test_each_problem_names_line_column_and_reason_and_bad_rows_are_dropped() -> None:
    chunk, problems = events_validator().validate([
        (2, {"user": "u1", "item": "w1", "kind": "play", "score": "abc", "when": "1"}),
        (3, {"user": "", "item": "w1", "kind": "stream", "score": "nan", "when": "3000-01-01"}),
        (4, {"user": "u3", "item": "w3", "kind": "view", "score": "1", "when": "964982703"}),
    ])
    assert chunk.lines == [4]
    found = {(p.line, p.column): p.reason for p in problems}
    assert "expected a number, found 'abc'" in found[(2, "score")]
    assert "member is required" in found[(3, "user")]
    assert "'stream' is not one of" in found[(3, "kind")]
    assert "finite" in found[(3, "score")]
    assert "future" in found[(3, "when")]
    assert all(p.file == "e.csv" for p in problems)


def test_out_of_range_year_and_strptime_pattern() -> None:
    v = ChunkValidator(WORKS, {"key": "id", "kind": "k", "title": "t", "year": "y"}, {}, "w.csv")
    chunk, problems = v.validate([(2, {"id": "1", "k": "film", "t": "A", "y": "99999"})])
    assert len(chunk) == 0 and "out of range" in problems[0].reason and problems[0].column == "y"
    ts = events_validator(timestamp_format="%d/%m/%Y")
    chunk, problems = ts.validate([(2, {"user": "u", "item": "w", "kind": "view", "score": "", "when": "26/09/2018"})])
    assert problems == [] and chunk.columns["timestamp"] == [1537920000]


def test_lists_split_trim_and_deduplicate_and_credits_take_roles() -> None:
    v = ChunkValidator(WORKS, {"key": "id", "kind": "k", "title": "t", "genres": "g", "creators": "c"}, {}, "w.csv",
                       creator_role="director")
    chunk, problems = v.validate([(2, {"id": "1", "k": "film", "t": "A", "g": "Drama| Crime||Drama", "c": "c1|c2"})])
    assert problems == []
    assert chunk.columns["genres"] == [["Drama", "Crime"]]
    assert chunk.columns["creators"] == [[("c1", "director"), ("c2", "director")]]
    chunk, _ = v.validate([(2, {"id": "1", "k": "film", "t": "A", "g": None, "c": [{"id": 7, "role": "after"}]})])
    assert chunk.columns["creators"] == [[("7", "after")]]


def test_bad_constant_is_reported_before_any_row() -> None:
    v = ChunkValidator(EVENTS, {"member": "u", "work": "w"}, {"kind": "watch"}, "e.csv")
    assert v.constant_problems and "'watch' is not one of" in v.constant_problems[0].reason


cells = st.one_of(st.text(max_size=8), st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(str))


@given(st.lists(st.tuples(cells, cells, st.sampled_from(sorted(EVENT_KINDS) + ["bogus"]), cells, cells), max_size=30))
def test_every_row_is_either_kept_or_reported_never_both(raw: list[tuple[str, str, str, str, str]]) -> None:
    rows = [(i + 2, dict(zip(("user", "item", "kind", "score", "when"), r))) for i, r in enumerate(raw)]
    chunk, problems = events_validator().validate(rows)
    bad_lines = {p.line for p in problems}
    assert set(chunk.lines).isdisjoint(bad_lines)
    assert set(chunk.lines) | bad_lines == {line for line, _ in rows}
    for value in chunk.columns["value"]:
        assert value is None or -1e9 <= value <= 1e9
    assert all(kind in EVENT_KINDS for kind in chunk.columns["kind"])
