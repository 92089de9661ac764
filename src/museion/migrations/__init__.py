"""Alembic migrations of every area's tables, applied by ``museion.store.migrate``."""
