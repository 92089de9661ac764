"""Where personal data may be touched: inside a gate context, which only the privacy package opens.

Every privacy function that selects or writes a personal-data table runs under ``gated``; a
statement on those tables outside it is a read that bypassed the gate. The test suite installs
``guard`` on every engine so that such a statement fails loudly (``tests/conftest.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, event

# Tables holding a person's data (or decisions about them). Any table added later that does belongs here.
PERSONAL_TABLES = frozenset({"members", "events", "served_lists", "member_preferences", "interest_suppressions",
                             "consents", "vault_entries", "subject_requests", "erasure_tombstones",
                             "member_flags", "disclosure_comments",
                             "member_quarantine",
                             "experiment_opt_outs"})  # museion.risk: profiles left out of training

_inside: ContextVar[bool] = ContextVar("museion_gate", default=False)
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gate_context() -> Iterator[None]:
    """Mark the code running inside as the gate's: its statements may touch personal tables."""
    token = _inside.set(True)
    try:
        yield
    finally:
        _inside.reset(token)


def gated(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` inside the gate context (for privacy functions that touch personal tables)."""
    @functools.wraps(function)
    def inside(*args: P.args, **kwargs: P.kwargs) -> R:
        with gate_context():
            return function(*args, **kwargs)
    return inside


def inside_gate() -> bool:
    return _inside.get()


class GateBypassed(AssertionError):
    """A statement touched a personal-data table outside the privacy gate."""


_NAMES = "|".join(sorted(PERSONAL_TABLES))
# A table named after FROM/JOIN/INTO/UPDATE, or a column qualified by it (``members.id``: comma joins, subqueries).
_TOUCHES = re.compile(rf'\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?({_NAMES})"?\b|(?<![.\w"])"?({_NAMES})"?\.\w', re.IGNORECASE)
_SCHEMA_CHANGE = re.compile(r"^\s*(CREATE|ALTER|DROP|PRAGMA|COMMENT)\b", re.IGNORECASE)


def personal_tables_in(statement: str) -> set[str]:
    """The personal tables a SQL statement reads or writes (schema changes are not reads)."""
    if _SCHEMA_CHANGE.match(statement):
        return set()
    return {(named or qualified).lower() for named, qualified in _TOUCHES.findall(statement)}


def _check(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    if not _inside.get() and (touched := personal_tables_in(statement)):
        raise GateBypassed(f"{', '.join(sorted(touched))} touched outside the privacy gate: {statement[:300]}")


def guard(target: type[Engine] | Engine = Engine) -> Callable[[], None]:
    """Refuse statements on personal tables outside the gate (every engine by default); returns the undo."""
    event.listen(target, "before_cursor_execute", _check)
    return lambda: event.remove(target, "before_cursor_execute", _check)
