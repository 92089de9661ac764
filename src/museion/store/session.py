"""The database a command or request works on: engine from settings, checked to be at the latest schema."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from museion.errors import MuseionError
from museion.store.engine import make_engine, sqlite_file
from museion.store.migrate import current_revision, head_revision


class SchemaNotReady(MuseionError):
    """The database is missing or behind the code's migrations."""


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def ready_engine(url: str) -> Engine:
    """An engine whose schema is at head; otherwise a clear instruction, naming the database it looked at, instead
    of a failing query. A missing SQLite file is reported, never created by the look."""
    engine = engine_for(url)
    where = engine.url.render_as_string(hide_password=True)
    if (path := sqlite_file(engine)) is not None and not path.is_file():
        raise SchemaNotReady(f"there is no database at {path}: run `museion init` to create it there "
                             "(or set MUSEION_HOME / MUSEION_DATABASE_URL to the one you loaded)")
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise SchemaNotReady(f"cannot open the database {where}: {exc.orig}") from None
    if current is None:
        raise SchemaNotReady(f"the database {where} is not initialised: run `museion init` (or `museion db upgrade`)")
    if current != head_revision(engine):
        raise SchemaNotReady(f"the database {where} schema is at {current}, the code needs {head_revision(engine)}: "
                             "run `museion db upgrade`")
    return engine
