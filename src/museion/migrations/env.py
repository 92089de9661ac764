"""Alembic environment: uses the engine handed over by museion.store.migrate (or MUSEION_DATABASE_URL)."""

from __future__ import annotations

from alembic import context

from museion.migrations.schema import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line
    from museion.config import get_settings
    from museion.store.engine import make_engine

    engine = make_engine(get_settings().resolved_database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
