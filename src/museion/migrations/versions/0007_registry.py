"""registry: model version lifecycle columns, model cards, reviews and version transitions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')


def upgrade() -> None:
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='draft', nullable=False,
                                      comment='review lifecycle: draft … approved, deployed, retired (museion.registry)'))
        batch_op.add_column(sa.Column('review_round', sa.Integer(), server_default='0', nullable=False,
                                      comment='review rounds opened so far (1 = first review, then re-reviews)'))
        batch_op.add_column(sa.Column('review_open', sa.Boolean(), server_default=sa.false(), nullable=False,
                                      comment='a review round is collecting decisions'))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True,
                                      comment='last approval, for periodic re-review'))
        batch_op.create_index(batch_op.f('ix_model_versions_status'), ['status'], unique=False)
        batch_op.create_index('uq_model_versions_one_deployed', ['status'], unique=True,
                              sqlite_where=sa.text("status = 'deployed'"), postgresql_where=sa.text("status = 'deployed'"))
    op.create_table('model_cards',
    sa.Column('version_id', BigId, autoincrement=False, nullable=False),
    sa.Column('purpose_notes', sa.Text(), nullable=True, comment='what this version is for, beyond the standard purpose'),
    sa.Column('limitations', sa.Text(), nullable=True, comment='known limitations, one per line'),
    sa.Column('contact', sa.Text(), nullable=True, comment='who answers questions about this algorithm'),
    sa.Column('frozen', sa.JSON(), nullable=True, comment='the full card (both languages) as submitted'),
    sa.Column('card_hash', sa.String(length=64), nullable=True, comment="sha256 of the frozen card's canonical JSON"),
    sa.Column('author_account_id', BigId, nullable=True, comment='the account that submitted it'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['author_account_id'], ['accounts.id'], name=op.f('fk_model_cards_author_account_id_accounts')),
    sa.ForeignKeyConstraint(['version_id'], ['model_versions.id'], name=op.f('fk_model_cards_version_id_model_versions')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_model_cards'))
    )
    op.create_table('reviews',
    sa.Column('id', BigId, nullable=False),
    sa.Column('version_id', BigId, nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('reviewer_account_id', BigId, nullable=False),
    sa.Column('capacity', sa.String(length=64), nullable=False, comment='the capacity the reviewer acted in (see the review policy)'),
    sa.Column('decision', sa.String(length=16), nullable=False, comment='approve or reject'),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('card_hash', sa.String(length=64), nullable=False, comment='the card reviewed'),
    sa.Column('audit_ref', sa.String(length=64), nullable=True, comment='the latest fairness audit at the time, if any'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['reviewer_account_id'], ['accounts.id'], name=op.f('fk_reviews_reviewer_account_id_accounts')),
    sa.ForeignKeyConstraint(['version_id'], ['model_versions.id'], name=op.f('fk_reviews_version_id_model_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('version_id', 'round', 'reviewer_account_id', name=op.f('uq_reviews_version_id_round_reviewer_account_id'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_version_id'), ['version_id'], unique=False)
    op.create_table('version_transitions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('version_id', BigId, nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False, comment='account:ID, cli or demo'),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['model_versions.id'], name=op.f('fk_version_transitions_version_id_model_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_transitions'))
    )
    with op.batch_alter_table('version_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_transitions_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('version_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_transitions_version_id'))
    op.drop_table('version_transitions')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_version_id'))
    op.drop_table('reviews')
    op.drop_table('model_cards')
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_model_versions_one_deployed')
        batch_op.drop_index(batch_op.f('ix_model_versions_status'))
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_open')
        batch_op.drop_column('review_round')
        batch_op.drop_column('status')
