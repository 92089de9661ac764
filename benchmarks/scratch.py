"""A scratch PostgreSQL schema for one benchmark run: created empty, dropped afterwards, whatever happens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from museion.store.engine import make_engine


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """The URL of a new, empty schema on the server at ``url`` (its search path set), dropped on exit."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
