"""privacy: erasure tombstones (keyed references to erased members, so imports do not bring them back)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('erasure_tombstones',
    sa.Column('id', BigId, nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the member key under the erasure secret'),
    sa.Column('request_id', BigId, nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.String(length=128), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['subject_requests.id'], name=op.f('fk_erasure_tombstones_request_id_subject_requests'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_tombstones')),
    sa.UniqueConstraint('ref', name=op.f('uq_erasure_tombstones_ref'))
    )


def downgrade() -> None:
    op.drop_table('erasure_tombstones')
