"""heritage: creator links curators decided (same person across sources, or distinct), never merges

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('creator_links',
    sa.Column('id', BigId, nullable=False),
    sa.Column('creator_id', BigId, nullable=False),
    sa.Column('other_creator_id', BigId, nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False, comment='same_person or distinct'),
    sa.Column('proposal_id', BigId, nullable=True, comment='the queue decision behind it'),
    sa.Column('decided_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_creator_links_creator_id_creators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_creator_id'], ['creators.id'], name=op.f('fk_creator_links_other_creator_id_creators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_creator_links_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creator_links')),
    sa.UniqueConstraint('creator_id', 'other_creator_id', name=op.f('uq_creator_links_creator_id_other_creator_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('creator_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_creator_links_creator_id'), ['creator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_creator_links_other_creator_id'), ['other_creator_id'], unique=False)


def downgrade() -> None:
    op.drop_table('creator_links')
