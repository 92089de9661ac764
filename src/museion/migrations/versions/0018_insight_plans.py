"""insight: promotion and budget plans the planner proposed, and what people decided

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('insight_plans',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('constraints', sa.JSON(), nullable=False, comment="the manager's constraints as stated"),
    sa.Column('plan', sa.JSON(), nullable=False, comment='chosen works, figures, explanation, greedy baseline'),
    sa.Column('objective', sa.Float(), nullable=False, comment='expected engagement of the plan'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='proposed, accepted, edited or rejected'),
    sa.Column('proposal_id', BigId, nullable=True, comment='the queue proposal people decide'),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('final', sa.JSON(), nullable=True, comment='the works people kept (an edited plan)'),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.Column('decided_at', AT, nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_insight_plans_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_plans')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('insight_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_plans_proposal_id'), ['proposal_id'], unique=False)


def downgrade() -> None:
    op.drop_table('insight_plans')
