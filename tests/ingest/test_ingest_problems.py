"""A problem repeated on many rows is reported once, with its count and its first lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from museion.errors import Problem
from museion.ingest.problems import ProblemLog, RepeatedProblem


def unknown_work(line: int, key: str = "404") -> Problem:
    return Problem("loans.csv", line, "item", f"unknown work {key!r}: it is not in the catalogue")


def test_the_same_problem_on_many_rows_is_one_problem_with_its_count_and_first_lines() -> None:
    log = ProblemLog()
    log.add([unknown_work(41 + i, str(i)) for i in range(41)])
    log.add([unknown_work(9), unknown_work(3), unknown_work(7)])
    log.add([Problem("loans.csv", 5, "kind", "'lost' is not one of: borrow")])
    assert len(log) == 2
    work, kind = log.problems()
    assert kind == Problem("loans.csv", 5, "kind", "'lost' is not one of: borrow")  # once: left as it was
    assert isinstance(work, RepeatedProblem) and (work.line, work.lines, work.count) == (3, (3, 7, 9), 44)
    assert str(work) == ("loans.csv, lines 3, 7, 9 and 41 more, column 'item': unknown work '404': it is not in the "
                         "catalogue (as on line 3; the other lines hold other values)")
    assert work.as_dict()["count"] == 44 and work.as_dict()["lines"] == [3, 7, 9]


def test_identical_reasons_say_nothing_about_other_values_and_other_columns_stay_apart() -> None:
    log = ProblemLog()
    log.add([Problem("w.csv", n, "kind", "'x' is not one of: film") for n in (2, 3)])
    log.add([Problem("w.csv", 4, "genre", "'x' is not one of: film")])
    first, second = log.problems()
    assert str(first) == "w.csv, lines 2, 3, column 'kind': 'x' is not one of: film"
    assert second.line == 4 and not isinstance(second, RepeatedProblem)


@given(st.lists(st.tuples(st.integers(1, 10_000), st.sampled_from(["a", "b", "c"]), st.integers(0, 99)), min_size=1))
def test_every_problem_is_counted_once_in_its_group_and_the_lines_shown_are_the_first(items: list[tuple[int, str, int]]) -> None:
    log = ProblemLog()
    log.add(Problem("f", line, column, f"bad value {value}") for line, column, value in items)
    out = log.problems()
    assert len(out) == len({c for _, c, _ in items}) == len(log)
    for problem in out:
        lines = sorted(line for line, column, _ in items if column == problem.column)
        count = problem.count if isinstance(problem, RepeatedProblem) else 1
        assert count == len(lines) and problem.line == lines[0]
        if isinstance(problem, RepeatedProblem):
            assert list(problem.lines) == lines[:3]
    assert [p.line for p in out] == sorted(p.line for p in out)  # type: ignore[type-var]
