"""security: ids of members, accounts and tokens are never reused; tokens record who minted a member's token

On SQLite a rowid table hands out max(id)+1, so erasing the newest member (and, by cascade, their account)
gave the next one the same ids and earlier audit entries named someone else. AUTOINCREMENT needs each table
rebuilt (SQLite's documented twelve-step procedure), with foreign keys off: dropping ``members`` with them on
would cascade into every personal table. PostgreSQL sequences never reuse a value: there only the column is added.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
import re
import sqlite3

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('members', 'accounts', 'tokens')  # parents first


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _rebuild_with_autoincrement(bind.connection.dbapi_connection)  # type: ignore[arg-type]
    op.add_column('tokens', sa.Column('issued_by', sa.String(64), nullable=True,
                                      comment="the staff actor who issued a member's token; null when the account holder did"))


def downgrade() -> None:
    with op.batch_alter_table('tokens') as batch:
        batch.drop_column('issued_by')


def _rebuild_with_autoincrement(raw: sqlite3.Connection) -> None:
    """Rebuild each table with ``id INTEGER PRIMARY KEY AUTOINCREMENT`` in one transaction of its own, on the driver
    connection: ``PRAGMA foreign_keys`` is ignored inside a transaction, so the migrations before this one are
    committed first (as Alembic's autocommit blocks do). A rebuild is a schema change, not a read of the rows."""
    if raw.in_transaction:
        raw.commit()
    raw.execute('PRAGMA foreign_keys=OFF')
    try:
        if raw.execute('PRAGMA foreign_keys').fetchone()[0]:
            raise RuntimeError('could not turn SQLite foreign keys off to rebuild members, accounts and tokens')
        raw.execute('BEGIN')
        for table in TABLES:
            _rebuild(raw, table)
        if broken := raw.execute('PRAGMA foreign_key_check').fetchall():
            raise RuntimeError(f'rebuilding members, accounts and tokens would break {len(broken)} references')
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.execute('PRAGMA foreign_keys=ON')


def _rebuild(raw: sqlite3.Connection, table: str) -> None:
    (create,) = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if 'AUTOINCREMENT' in create:
        return
    extras = [sql for (sql,) in raw.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL", (table,))]
    create, named = re.subn(rf'^CREATE TABLE "?{table}"? \(', f'CREATE TABLE _new_{table} (', create)
    create, keyed = re.subn(r'\bid INTEGER NOT NULL,', f'id INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT,', create)
    create, dropped = re.subn(rf',\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\)', '', create)
    if (named, keyed, dropped) != (1, 1, 1):
        raise RuntimeError(f'the {table} table does not have the expected shape (id INTEGER NOT NULL, pk_{table}); nothing was changed')
    raw.execute(create)
    raw.execute(f'INSERT INTO _new_{table} SELECT * FROM {table}')
    raw.execute(f'DROP TABLE {table}')
    raw.execute(f'ALTER TABLE _new_{table} RENAME TO {table}')
    for sql in extras:
        raw.execute(sql)
