"""model versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('model_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('algorithm', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('policy', sa.JSON(), nullable=False, comment='interaction policy used for training'),
    sa.Column('source', sa.String(length=64), nullable=True, comment='events used: one source, or all when null'),
    sa.Column('data_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('artifact', sa.Text(), nullable=False, comment='folder relative to MUSEION_HOME'),
    sa.Column('n_members', sa.Integer(), nullable=False),
    sa.Column('n_works', sa.Integer(), nullable=False),
    sa.Column('evaluation', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions'))
    )
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_versions_algorithm'), ['algorithm'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_versions_algorithm'))

    op.drop_table('model_versions')
