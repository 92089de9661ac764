"""member controls: the log of served lists, personalisation preferences, deleted interest tags

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')


def upgrade() -> None:
    op.create_table('served_lists',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('model_version_id', BigId, nullable=True),
    sa.Column('served_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.Column('personalised', sa.Boolean(), nullable=False),
    sa.Column('not_personalised_because', sa.Text(), nullable=True),
    sa.Column('work_ids', sa.JSON(), nullable=False, comment='work ids in rank order'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_served_lists_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'],
                            name=op.f('fk_served_lists_model_version_id_model_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_served_lists'))
    )
    with op.batch_alter_table('served_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_served_lists_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_served_lists_served_at'), ['served_at'], unique=False)
    op.create_table('member_preferences',
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('personalise', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_preferences_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_preferences'))
    )
    op.create_table('interest_suppressions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('term', sa.String(length=512), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_interest_suppressions_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_suppressions')),
    sa.UniqueConstraint('member_id', 'term', name=op.f('uq_interest_suppressions_member_id_term'))
    )


def downgrade() -> None:
    op.drop_table('interest_suppressions')
    op.drop_table('member_preferences')
    with op.batch_alter_table('served_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_served_lists_served_at'))
        batch_op.drop_index(batch_op.f('ix_served_lists_member_id'))
    op.drop_table('served_lists')
