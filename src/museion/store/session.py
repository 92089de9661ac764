"""The database a command or request works on: engine from settings, checked to be at the latest schema."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from museion.errors import MuseionError
from museion.store.engine import make_engine
from museion.store.migrate import current_revision, head_revision


class SchemaNotReady(MuseionError):
    """The database is missing or behind the code's migrations."""


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def ready_engine(url: str) -> Engine:
    """An engine whose schema is at head; otherwise a clear instruction instead of a failing query."""
    engine = engine_for(url)
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise SchemaNotReady(f"cannot open the database {engine.url.render_as_string()}: {exc.orig}") from None
    if current is None:
        raise SchemaNotReady("the database is not initialised: run `museion init` (or `museion db upgrade`)")
    if current != head_revision(engine):
        raise SchemaNotReady(f"the database schema is at {current}, the code needs {head_revision(engine)}: run `museion db upgrade`")
    return engine
