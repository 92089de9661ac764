"""fairness: stored fairness audits of model versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')


def upgrade() -> None:
    op.create_table('fairness_audits',
    sa.Column('id', BigId, nullable=False),
    sa.Column('model_version_id', BigId, nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False, comment='evaluation or served'),
    sa.Column('groups', sa.JSON(), nullable=False, comment='item and member group attributes used'),
    sa.Column('metrics', sa.JSON(), nullable=False, comment='every figure of the audit (JSON)'),
    sa.Column('summary', sa.JSON(), nullable=False, comment='the headline figures shown in lists and reports'),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'], name=op.f('fk_fairness_audits_model_version_id_model_versions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fairness_audits'))
    )
    with op.batch_alter_table('fairness_audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fairness_audits_model_version_id'), ['model_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fairness_audits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fairness_audits_model_version_id'))
    op.drop_table('fairness_audits')
