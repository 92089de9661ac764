"""privacy: members' flags on recommended items and comments on the disclosure, and the purpose the review board
reads them under

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)
PURPOSE = {'code': 'review_board',
           'version': 1,
           'name': 'Algorithm review',
           'description': 'The review board reads the flags and comments members send about recommendations (personal '
                          'data redacted) as evidence when it next reviews the version concerned; sending one is agreeing '
                          'to this.',
           'legal_basis': 'consent',
           'categories': ['feedback'],
           'retention_days': 730}


def _considered() -> list[sa.Column]:
    return [sa.Column('considered_round', sa.Integer(), nullable=True, comment='the review round that considered it'),
            sa.Column('considered_decision', sa.String(length=16), nullable=True, comment='approved or rejected'),
            sa.Column('considered_at', AT, nullable=True)]


def upgrade() -> None:
    op.create_table('member_flags',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('work_id', BigId, nullable=False),
    sa.Column('model_version_id', BigId, nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True, comment='redacted by the PII detector before it is stored'),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    *_considered(),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_flags_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_member_flags_work_id_works'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'],
                            name=op.f('fk_member_flags_model_version_id_model_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_flags'))
    )
    with op.batch_alter_table('member_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_flags_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_flags_model_version_id'), ['model_version_id'], unique=False)
    op.create_table('disclosure_comments',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('model_version_id', BigId, nullable=True),
    sa.Column('text', sa.Text(), nullable=False, comment='redacted by the PII detector before it is stored'),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    *_considered(),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_disclosure_comments_member_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'],
                            name=op.f('fk_disclosure_comments_model_version_id_model_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_comments'))
    )
    with op.batch_alter_table('disclosure_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_comments_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_comments_model_version_id'), ['model_version_id'], unique=False)
    purposes = sa.table('purposes', sa.column('code', sa.String), sa.column('version', sa.Integer),
                        sa.column('name', sa.Text), sa.column('description', sa.Text), sa.column('legal_basis', sa.String),
                        sa.column('categories', sa.JSON), sa.column('retention_days', sa.Integer))
    op.bulk_insert(purposes, [PURPOSE])


def downgrade() -> None:
    op.execute("DELETE FROM consents WHERE purpose = 'review_board'")
    op.execute("DELETE FROM purposes WHERE code = 'review_board'")
    with op.batch_alter_table('disclosure_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_comments_model_version_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_comments_member_id'))
    op.drop_table('disclosure_comments')
    with op.batch_alter_table('member_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_flags_model_version_id'))
        batch_op.drop_index(batch_op.f('ix_member_flags_member_id'))
    op.drop_table('member_flags')
