"""Reading rows for a long list of ids in batches small enough for every backend's parameter limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Select

IN_BATCH = 900  # values per IN (...) list, safely below SQLite's 999 host parameters
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_BATCH) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def rows_in_batches(conn: Connection, query: Callable[[Sequence[Any]], Select[Any]], values: Sequence[Any],
                    size: int = IN_BATCH) -> Iterator[Row[Any]]:
    """The rows of ``query(batch)`` for each batch of ``values``: ``query`` builds the ``IN (…)`` statement."""
    for batch in chunks(values, size):
        yield from conn.execute(query(batch))
