"""studio: model versions name their task (recommend, subjects); work terms say where they came from; the subject
suggester's record of what it proposed

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task', sa.String(length=32), server_default='recommend', nullable=False,
                                      comment="what the model does: recommend, or another capability's task (subjects)"))
        batch_op.create_index(batch_op.f('ix_model_versions_task'), ['task'], unique=False)
    with op.batch_alter_table('work_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=255), nullable=True,
                                      comment='null: from the source record; else who added it, e.g. ai:model_version:4 '
                                              'accepted by account:2'))
    op.create_table('subject_suggestions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('proposal_id', BigId, nullable=False, comment='the queue proposal it was part of'),
    sa.Column('model_version_id', BigId, nullable=False),
    sa.Column('work_id', BigId, nullable=False),
    sa.Column('subject', sa.String(length=512), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False, comment='1 = the best suggestion for the work'),
    sa.Column('score', sa.Float(), nullable=False, comment="the similar works' weighted vote, in [0, 1]"),
    sa.Column('confidence', sa.Float(), nullable=False, comment="the score recalibrated on people's decisions"),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_subject_suggestions_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'],
                            name=op.f('fk_subject_suggestions_model_version_id_model_versions')),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_subject_suggestions_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_suggestions')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('subject_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_suggestions_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_suggestions_model_version_id'), ['model_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_suggestions_work_id'), ['work_id'], unique=False)


def downgrade() -> None:
    op.drop_table('subject_suggestions')
    with op.batch_alter_table('work_terms', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_versions_task'))
        batch_op.drop_column('task')
