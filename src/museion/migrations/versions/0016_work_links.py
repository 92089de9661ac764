"""rights: links between catalogue records that curators decided (same work, related, or only alike)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('work_links',
    sa.Column('id', BigId, nullable=False),
    sa.Column('work_id', BigId, nullable=False),
    sa.Column('other_work_id', BigId, nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False, comment='same_as, related or distinct'),
    sa.Column('proposal_id', BigId, nullable=True, comment='the queue decision behind it'),
    sa.Column('decided_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_work_links_work_id_works'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_work_id'], ['works.id'], name=op.f('fk_work_links_other_work_id_works'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_work_links_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_links')),
    sa.UniqueConstraint('work_id', 'other_work_id', name=op.f('uq_work_links_work_id_other_work_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('work_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_links_work_id'), ['work_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_links_other_work_id'), ['other_work_id'], unique=False)


def downgrade() -> None:
    op.drop_table('work_links')
