"""collab: one queue for AI proposals, and each reviewer's claim and decision

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False, comment='policy kind, e.g. work.subjects'),
    sa.Column('subject', sa.String(length=256), nullable=False, comment='what it is about, e.g. work:tate:1035'),
    sa.Column('payload', sa.JSON(), nullable=False, comment='the content as proposed'),
    sa.Column('evidence', sa.JSON(), nullable=False, comment='why: shown beside the payload'),
    sa.Column('proposed_by', sa.String(length=128), nullable=False),
    sa.Column('model_version_id', BigId, nullable=True, comment='the version that made it'),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('risk', sa.String(length=8), nullable=False, comment='low, medium or high'),
    sa.Column('decider', sa.String(length=32), nullable=False, comment='the role that decides it, from the policy'),
    sa.Column('reviewers', sa.Integer(), nullable=False, comment='independent reviewers it needs'),
    sa.Column('claims', sa.Integer(), server_default='0', nullable=False, comment='reviewers holding or done with it'),
    sa.Column('policy_hash', sa.String(length=64), nullable=False, comment='sha256 of the policy that routed it'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='open, claimed, disputed, decided, auto, undone'),
    sa.Column('due_at', AT, nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=True, comment='accept, edit, reject, auto or undo'),
    sa.Column('final', sa.JSON(), nullable=True, comment='the content as decided; null when rejected'),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', AT, nullable=True),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'], name=op.f('fk_proposals_model_version_id_model_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_proposals_queue', ['status', 'decider', 'due_at', 'id'], unique=False)
    op.create_table('proposal_reviews',
    sa.Column('id', BigId, nullable=False),
    sa.Column('proposal_id', BigId, nullable=False),
    sa.Column('account_id', BigId, nullable=False),
    sa.Column('claimed_at', AT, nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=True, comment='accept, edit or reject; null while claimed'),
    sa.Column('final', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', AT, nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_proposal_reviews_account_id_accounts')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_reviews_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_reviews')),
    sa.UniqueConstraint('proposal_id', 'account_id', name=op.f('uq_proposal_reviews_proposal_id_account_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('proposal_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_reviews_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_reviews_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    op.drop_table('proposal_reviews')
    op.drop_table('proposals')
