"""An import's problems grouped by kind: a problem repeated on many rows is reported once, with its count
and first lines ("lines 3, 7, 9 and 41 more, column 'work': unknown work …"), so one wrong setting does
not hide every other problem behind a wall of identical lines."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from museion.errors import Problem

SHOWN_LINES = 3
# The values inside a reason ('404', 7.5, "x"): masked, so that the same problem with other values groups together.
_VALUES = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@dataclass(frozen=True, slots=True)
class RepeatedProblem(Problem):
    """One problem found on ``count`` rows; ``lines`` are the first few, and ``line`` the first of them."""

    lines: tuple[int, ...] = ()
    count: int = 1
    same_values: bool = True

    def __str__(self) -> str:
        more = self.count - len(self.lines)
        where = ", ".join(map(str, self.lines)) + (f" and {more} more" if more else "")
        column = f", column {self.column!r}" if self.column else ""
        others = "" if self.same_values else f" (as on line {self.line}; the other lines hold other values)"
        return f"{self.file}, lines {where}{column}: {self.reason}{others}"

    def as_dict(self) -> dict[str, object]:
        return {**Problem.as_dict(self), "lines": list(self.lines), "count": self.count}


@dataclass(slots=True)
class _Group:
    first: Problem
    lines: list[int] = field(default_factory=list)  # the smallest SHOWN_LINES line numbers, sorted
    count: int = 0
    same_values: bool = True


class ProblemLog:
    """Collects problems by kind (file, column, and the reason with its values masked); ``len`` is the number of kinds."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str | None, str], _Group] = {}

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            key = (problem.file, problem.column, _VALUES.sub("…", problem.reason))
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(problem)
            elif problem.reason != group.first.reason:
                group.same_values = False
            group.count += 1
            if problem.line is not None:
                if group.first.line is not None and problem.line < group.first.line:
                    group.first = problem
                bisect.insort(group.lines, problem.line)
                del group.lines[SHOWN_LINES:]

    def __len__(self) -> int:
        return len(self._groups)

    def problems(self) -> list[Problem]:
        """One problem per kind, in order of first line: the original when it occurred once."""
        out: list[Problem] = []
        for g in self._groups.values():
            if g.count == 1:
                out.append(g.first)
            else:
                p = g.first
                out.append(RepeatedProblem(p.file, p.line, p.column, p.reason, tuple(g.lines), g.count, g.same_values))
        return sorted(out, key=lambda p: p.line or 0)
