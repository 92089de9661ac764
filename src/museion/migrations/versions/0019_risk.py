"""risk: alerts as records (state history, delivery attempts), detectors' threshold history, the integrity purpose
and member_quarantine (profiles left out of training, never deleted)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)
PURPOSE = {'code': 'integrity', 'version': 1, 'name': 'Integrity',
           'description': 'Protect recommendations and personal data from manipulation and misuse',
           'legal_basis': 'legitimate_interest', 'categories': ['activity'], 'retention_days': 365}


def upgrade() -> None:
    op.create_table('risk_alerts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False, comment='shilling, kpi, misuse, drift or quality'),
    sa.Column('detector', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False, comment='low, medium or high'),
    sa.Column('subject', sa.String(length=256), nullable=False, comment='what it is about: item:12, member:7, simulated:attack…'),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False, comment='same fingerprint while open = same alert'),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='raised on a scratch copy by a drill'),
    sa.Column('owner_role', sa.String(length=32), nullable=False, comment='the role it is routed to'),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_by', sa.String(length=128), nullable=True),
    sa.Column('state_why', sa.Text(), nullable=True),
    sa.Column('state_at', AT, nullable=True),
    sa.Column('first_seen', AT, server_default=NOW, nullable=False),
    sa.Column('last_seen', AT, server_default=NOW, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('suppressed_until', AT, nullable=True, comment='repeats before this only count'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_alerts')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('risk_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_alerts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_alerts_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_alerts_state'), ['state'], unique=False)
    op.create_table('risk_alert_events',
    sa.Column('id', BigId, nullable=False),
    sa.Column('alert_id', BigId, nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('state_from', sa.String(length=16), nullable=True),
    sa.Column('state_to', sa.String(length=16), nullable=True),
    sa.Column('why', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['risk_alerts.id'], name=op.f('fk_risk_alert_events_alert_id_risk_alerts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_alert_events')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('risk_alert_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_alert_events_alert_id'), ['alert_id'], unique=False)
    op.create_table('risk_thresholds',
    sa.Column('id', BigId, nullable=False),
    sa.Column('detector', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.String(length=128), nullable=False),
    sa.Column('alert_id', BigId, nullable=True, comment='the false alarm that moved it'),
    sa.Column('set_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['risk_alerts.id'], name=op.f('fk_risk_thresholds_alert_id_risk_alerts'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_thresholds')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('risk_thresholds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_thresholds_detector'), ['detector'], unique=False)
    op.create_table('member_quarantine',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('reason', sa.String(length=256), nullable=False, comment='e.g. risk alert 12: suspected fake profile'),
    sa.Column('alert_id', sa.BigInteger(), nullable=True, comment='the risk alert behind it'),
    sa.Column('proposal_id', sa.BigInteger(), nullable=True, comment='the queue decision behind it'),
    sa.Column('quarantined_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.Column('released_at', AT, nullable=True),
    sa.Column('released_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_quarantine_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_quarantine')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('member_quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_quarantine_member_id'), ['member_id'], unique=False)
    purposes = sa.table('purposes', sa.column('code', sa.String), sa.column('version', sa.Integer),
                        sa.column('name', sa.Text), sa.column('description', sa.Text), sa.column('legal_basis', sa.String),
                        sa.column('categories', sa.JSON), sa.column('retention_days', sa.Integer))
    op.bulk_insert(purposes, [PURPOSE])


def downgrade() -> None:
    op.execute("DELETE FROM consents WHERE purpose = 'integrity'")
    op.execute("DELETE FROM purposes WHERE code = 'integrity'")
    op.drop_table('member_quarantine')
    op.drop_table('risk_thresholds')
    op.drop_table('risk_alert_events')
    op.drop_table('risk_alerts')
