"""What every command works with: the database engine, the home folder and the actor the command line acts as."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine

from museion.config import get_settings
from museion.store.session import engine_for, ready_engine

CLI_ACTOR = "cli"
"""Who acts from the command line: whoever runs it holds the database credentials and acts as the operator."""


def engine() -> Engine:
    """The configured database, checked to be at the latest schema (else a clear instruction to run `museion init`)."""
    return ready_engine(get_settings().resolved_database_url)


def raw_engine() -> Engine:
    """The configured database whatever its schema: for the commands that create or migrate it."""
    return engine_for(get_settings().resolved_database_url)


def home() -> Path:
    """MUSEION_HOME: model artifacts, keys, the review policy."""
    return get_settings().home


def member_id(conn: Connection, key: str) -> int:
    """The member a staff command acts on at their request: a look-up the privacy gate records for member rights."""
    from museion.privacy import gate

    return gate.member_id_for(conn, key, purpose=gate.RIGHTS, actor=CLI_ACTOR)
