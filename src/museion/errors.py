"""Errors that reach users: each names where the problem is and why, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One rejected piece of input: which file, line and column, and why."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


class MuseionError(Exception):
    """Base for errors whose message is written for the person who caused them.

    Given as a template with named values (``Conflict("proposal %(id)s is decided", id=4)``), the message can be shown
    translated: the web app looks ``template`` up in its catalogue and fills in ``values``."""

    def __init__(self, message: str = "", /, **values: object) -> None:
        self.template, self.values = message, values
        super().__init__(message % values if values else message)


class NotFound(MuseionError):
    """A named thing (dataset, work, member…) does not exist."""


class Conflict(MuseionError):
    """The request is valid but the thing is not in a state that allows it (e.g. a lifecycle step out of order)."""


class InputRejected(MuseionError):
    """Input failed validation; nothing was written. Carries every problem found (up to the limit)."""

    def __init__(self, problems: list[Problem], *, truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        more = " (stopped after this many; there may be more)" if truncated else ""
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"rejected: {len(problems)} problem(s){more}; nothing was changed\n{lines}")
