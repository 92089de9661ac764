"""Value domains and value renames: a file's values checked against the scale it declares, column by column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.ingest.schema import EVENTS, MEMBERS, Domain
from museion.ingest.validate import ChunkValidator

FIELDS = {"member": "user", "work": "item", "kind": "kind", "value": "rating"}
HALF_STARS = Domain(0.5, 5.0, 0.5)


def rated(*ratings: str) -> list[tuple[int, dict[str, str]]]:
    return [(i + 2, {"user": "u", "item": "w", "kind": "rating", "rating": r}) for i, r in enumerate(ratings)]


def validator(domain: Domain | None = HALF_STARS, **kw: object) -> ChunkValidator:
    spec = EVENTS.with_domains({"value": domain} if domain else {})
    return ChunkValidator(spec, FIELDS, {}, "ratings.csv", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "domain"), [
    ("0.5..5/0.5", Domain(0.5, 5.0, 0.5)), ("1..5", Domain(1.0, 5.0)), ("0..", Domain(0.0)), ("..10", Domain(None, 10.0)),
    ("web| app |kiosk", Domain(choices=frozenset({"web", "app", "kiosk"}))),
])
def test_domains_are_read_from_text(text: str, domain: Domain) -> None:
    assert Domain.parse(text) == domain


@pytest.mark.parametrize(("text", "reason"), [
    ("5..1", "above the high end"), ("a..b", "expected numbers"), ("..5/1", "start from a low end"),
    ("0..5/-1", "must be positive"), ("|", "expected LOW..HIGH"),
])
def test_unreadable_domains_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Domain.parse(text)


def test_a_domain_only_narrows_its_field_and_must_fit_its_type() -> None:
    value = EVENTS.field("value")
    assert Domain(-1e12, 5).narrow(value).low == value.low  # never wider than the field itself
    assert Domain(-5, 5, 0.5).narrow(MEMBERS.field("age")).low == 0  # the scale's grid survives a raised low end
    assert Domain(-4.75, 5, 0.5).narrow(MEMBERS.field("age")).low == 0.25
    with pytest.raises(ValueError, match="not one of the kind values"):
        Domain(choices=frozenset({"loan"})).narrow(EVENTS.field("kind"))
    with pytest.raises(ValueError, match="a range LOW..HIGH fits only numbers"):
        Domain(0, 1).narrow(EVENTS.field("label"))
    with pytest.raises(ValueError, match="not a list of values"):
        Domain(choices=frozenset({"1"})).narrow(value)
    assert Domain(choices=frozenset({"play", "skip"})).narrow(EVENTS.field("kind")).choices == {"play", "skip"}


def test_values_off_the_scale_are_named_by_line_and_column() -> None:
    chunk, problems = validator().validate(rated("4.5", "7.5", "3.25", "0", "5", ""))
    assert chunk.lines == [2, 6, 7]
    assert chunk.columns["value"] == [4.5, 5.0, None]
    found = {p.line: (p.column, p.reason) for p in problems}
    assert found[3] == ("rating", "7.5 is out of range [0.5, 5]")
    assert found[4] == ("rating", "3.25 is not on the scale 0.5..5 in steps of 0.5")
    assert found[5] == ("rating", "0.0 is out of range [0.5, 5]")


def test_whole_star_scales_reject_halves_and_text_domains_reject_other_values() -> None:
    _chunk, problems = validator(Domain(1, 5, 1)).validate(rated("1", "3.5", "5"))
    assert [(p.line, p.reason) for p in problems] == [(3, "3.5 is not on the scale 1..5 in steps of 1")]
    kinds = ChunkValidator(EVENTS.with_domains({"kind": Domain(choices=frozenset({"play"}))}), FIELDS, {}, "e.csv")
    _chunk, problems = kinds.validate(rated("1"))
    assert "'rating' is not one of: play" in problems[0].reason


def test_values_are_renamed_before_they_are_checked_and_renames_reach_constants() -> None:
    v = validator(None, value_maps={"kind": {"loan": "borrow", "renewal": "borrow"}, "value": {"n/a": ""}})
    rows = [(2, {"user": "u", "item": "w", "kind": "loan", "rating": "n/a"}),
            (3, {"user": "u", "item": "w", "kind": "renewal", "rating": "1"}),
            (4, {"user": "u", "item": "w", "kind": "lost", "rating": "1"})]
    chunk, problems = v.validate(rows)
    assert chunk.columns["kind"] == ["borrow", "borrow"] and chunk.columns["value"] == [None, 1.0]
    assert [p.line for p in problems] == [4] and "--map kind=lost:VALUE" in problems[0].reason
    constant = ChunkValidator(EVENTS, {"member": "u", "work": "w"}, {"kind": "loan"}, "e.csv", value_maps={"kind": {"loan": "borrow"}})
    assert constant.constant_problems == []
    chunk, _ = constant.validate([(2, {"u": "1", "w": "2"})])
    assert chunk.columns["kind"] == ["borrow"]


def test_renames_match_json_numbers_by_their_text() -> None:
    v = ChunkValidator(EVENTS, {"member": "u", "work": "w", "value": "v"}, {"kind": "rating"}, "e.jsonl",
                       value_maps={"value": {"99": ""}})
    chunk, problems = v.validate([(1, {"u": "a", "w": "b", "v": 99}), (2, {"u": "a", "w": "b", "v": 4})])
    assert problems == [] and chunk.columns["value"] == [None, 4.0]


steps = st.sampled_from([0.5, 1.0, 0.1, 0.25, 2.0])


@given(steps, st.integers(-20, 20), st.lists(st.integers(-100, 100), max_size=40), st.lists(st.floats(-100, 100), max_size=5))
def test_the_fast_column_check_agrees_with_the_row_by_row_check(step: float, low_k: int, on: list[int], off: list[float]) -> None:
    low = low_k * step
    v = validator(Domain(low, low + 50 * step, step))
    rows = rated(*[repr(low + k * step) for k in on], *[repr(x) for x in off])
    chunk, problems = v.validate(rows)
    rejected = {p.line for p in problems}
    assert rejected == {line for line, row in rows if v._convert_one("value", row["rating"])[1]}
    assert set(chunk.lines) == {line for line, _ in rows} - rejected
    on_scale = {line for (line, _), k in zip(rows, on) if 0 <= k <= 50}
    off_range = {line for (line, _), k in zip(rows, on) if not 0 <= k <= 50}
    assert on_scale.isdisjoint(rejected) and off_range <= rejected
