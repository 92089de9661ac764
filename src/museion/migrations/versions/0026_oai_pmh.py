"""heritage: OAI-PMH tombstones (works withdrawn by licence or removed), harvests, and the (updated_at, id) index the
provider pages by; a trigger records every removed work as a tombstone

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)

SQLITE_TRIGGER = """
CREATE TRIGGER oai_work_removed AFTER DELETE ON works FOR EACH ROW BEGIN
  INSERT INTO oai_deletions (work_key, work_id, source, kind, datestamp, reason)
  VALUES (OLD.key, OLD.id, OLD.source, OLD.kind, strftime('%Y-%m-%d %H:%M:%f000', 'now'), 'removed')
  ON CONFLICT (work_key) DO UPDATE SET reason = 'removed', datestamp = excluded.datestamp, work_id = excluded.work_id;
END
"""
PG_FUNCTION = """
CREATE FUNCTION oai_work_removed() RETURNS trigger AS $$
BEGIN
  INSERT INTO oai_deletions (work_key, work_id, source, kind, datestamp, reason)
  VALUES (OLD.key, OLD.id, OLD.source, OLD.kind, clock_timestamp(), 'removed')
  ON CONFLICT (work_key) DO UPDATE SET reason = 'removed', datestamp = EXCLUDED.datestamp, work_id = EXCLUDED.work_id;
  RETURN OLD;
END $$ LANGUAGE plpgsql
"""
PG_TRIGGER = "CREATE TRIGGER oai_work_removed AFTER DELETE ON works FOR EACH ROW EXECUTE FUNCTION oai_work_removed()"


def upgrade() -> None:
    op.create_table('oai_deletions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('work_key', sa.String(length=255), nullable=False),
    sa.Column('work_id', sa.BigInteger(), nullable=True, comment="the work's id when it was withdrawn (no link: it may be gone)"),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('datestamp', AT, nullable=False, comment='when the provider first reported it deleted'),
    sa.Column('reason', sa.String(length=16), nullable=False, comment='licence or removed'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oai_deletions')),
    sa.UniqueConstraint('work_key', name=op.f('uq_oai_deletions_work_key')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_oai_deletions_datestamp_id', 'oai_deletions', ['datestamp', 'id'], unique=False)
    op.create_table('oai_harvests',
    sa.Column('id', BigId, nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('set_spec', sa.String(length=255), nullable=True),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False, comment='the catalogue source its records are keyed under'),
    sa.Column('from_date', sa.String(length=32), nullable=True, comment='the from argument sent (incremental harvests)'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='succeeded, failed or cancelled'),
    sa.Column('response_date', AT, nullable=True, comment="the first page's responseDate: the next incremental harvest's from"),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False, comment='inserted, updated, unchanged by entity'),
    sa.Column('problems', sa.JSON(), nullable=False, comment='row-level problems (record, field, why)'),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('job_id', sa.BigInteger(), nullable=True),
    sa.Column('started_at', AT, server_default=NOW, nullable=False),
    sa.Column('finished_at', AT, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oai_harvests')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_oai_harvests_endpoint_set_spec_prefix', 'oai_harvests', ['endpoint', 'set_spec', 'prefix'], unique=False)
    op.create_index('ix_works_updated_at_id', 'works', ['updated_at', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS oai_work_removed ON works')
        op.execute('DROP FUNCTION IF EXISTS oai_work_removed()')
    else:
        op.execute('DROP TRIGGER IF EXISTS oai_work_removed')
    op.drop_index('ix_works_updated_at_id', table_name='works')
    op.drop_table('oai_harvests')
    op.drop_table('oai_deletions')
