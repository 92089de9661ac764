"""experiments: controlled rollouts (rollouts, rollout_records, rollout_stats) and members' opt-outs from experiments

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('rollouts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('control_version_id', BigId, nullable=False),
    sa.Column('candidate_version_id', BigId, nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False, comment='canary or ab'),
    sa.Column('share', sa.Float(), nullable=False, comment='share of members served by the candidate'),
    sa.Column('salt', sa.String(length=64), nullable=False,
              comment='mixed into the hash of the member key: a new split per rollout'),
    sa.Column('state', sa.String(length=16), nullable=False, comment='running, stopped or decided'),
    sa.Column('plan', sa.JSON(), nullable=False, comment='pre-registered metric, guardrails, alpha, sample size'),
    sa.Column('simulated', sa.Boolean(), nullable=False, comment='its traffic is simulated (demo)'),
    sa.Column('started_by', sa.String(length=128), nullable=False),
    sa.Column('started_at', AT, server_default=NOW, nullable=False),
    sa.Column('stopped_at', AT, nullable=True),
    sa.Column('stop_reason', sa.Text(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True, comment='ship or keep'),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=True, comment='the statistics the decision was taken on'),
    sa.ForeignKeyConstraint(['candidate_version_id'], ['model_versions.id'],
                            name=op.f('fk_rollouts_candidate_version_id_model_versions')),
    sa.ForeignKeyConstraint(['control_version_id'], ['model_versions.id'],
                            name=op.f('fk_rollouts_control_version_id_model_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollouts')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('rollouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollouts_control_version_id'), ['control_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rollouts_candidate_version_id'), ['candidate_version_id'], unique=False)
        batch_op.create_index('uq_rollouts_one_running', ['state'], unique=True,
                              sqlite_where=sa.text("state = 'running'"), postgresql_where=sa.text("state = 'running'"))
    op.create_table('rollout_records',
    sa.Column('id', BigId, nullable=False),
    sa.Column('rollout_id', BigId, nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['rollout_id'], ['rollouts.id'], name=op.f('fk_rollout_records_rollout_id_rollouts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_records')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('rollout_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollout_records_rollout_id'), ['rollout_id'], unique=False)
    op.create_table('rollout_stats',
    sa.Column('id', BigId, nullable=False),
    sa.Column('rollout_id', BigId, nullable=False),
    sa.Column('version_id', BigId, nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False,
              comment='YYYY-MM-DD, UTC (simulated traffic: its simulated day)'),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('grp', sa.String(length=32), nullable=False, comment="member or item group, '' for all"),
    sa.Column('source', sa.String(length=16), nullable=False, comment='served (real traffic) or simulated'),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('total_sq', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['rollout_id'], ['rollouts.id'], name=op.f('fk_rollout_stats_rollout_id_rollouts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['model_versions.id'], name=op.f('fk_rollout_stats_version_id_model_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_stats')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('rollout_stats', schema=None) as batch_op:
        batch_op.create_index('uq_rollout_stats_cell', ['rollout_id', 'version_id', 'day', 'metric', 'grp', 'source'],
                              unique=True)
    op.create_table('experiment_opt_outs',
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_experiment_opt_outs_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_experiment_opt_outs')),
    )


def downgrade() -> None:
    op.drop_table('experiment_opt_outs')
    op.drop_table('rollout_stats')
    op.drop_table('rollout_records')
    op.drop_table('rollouts')
