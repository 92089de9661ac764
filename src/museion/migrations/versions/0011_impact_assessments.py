"""registry: impact assessments of purposes and model versions, signed off by a privacy officer

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('impact_assessments',
    sa.Column('id', BigId, nullable=False),
    sa.Column('purpose_code', sa.String(length=64), nullable=True, comment='the purpose assessed (or null)'),
    sa.Column('model_version_id', BigId, nullable=True, comment='the model version assessed (or null)'),
    sa.Column('risks', sa.Text(), nullable=False, comment='risks to the people whose data is processed'),
    sa.Column('necessity', sa.Text(), nullable=False, comment='why the processing is necessary and proportionate'),
    sa.Column('safeguards', sa.Text(), nullable=False, comment='measures that reduce the risks'),
    sa.Column('residual_risk', sa.String(length=8), nullable=False, comment='low, medium or high, after the safeguards'),
    sa.Column('residual_notes', sa.Text(), nullable=False, comment='what remains and why it is accepted'),
    sa.Column('review_by', AT, nullable=False, comment='when the assessment must be reviewed again'),
    sa.Column('retain_until', AT, nullable=False, comment='kept at least until then (three years)'),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.Column('signed_by_account_id', BigId, nullable=True, comment='the privacy officer'),
    sa.Column('signed_at', AT, nullable=True),
    sa.ForeignKeyConstraint(['model_version_id'], ['model_versions.id'],
                            name=op.f('fk_impact_assessments_model_version_id_model_versions')),
    sa.ForeignKeyConstraint(['signed_by_account_id'], ['accounts.id'],
                            name=op.f('fk_impact_assessments_signed_by_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_assessments'))
    )
    with op.batch_alter_table('impact_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_impact_assessments_purpose_code'), ['purpose_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_impact_assessments_model_version_id'), ['model_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('impact_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_impact_assessments_model_version_id'))
        batch_op.drop_index(batch_op.f('ix_impact_assessments_purpose_code'))
    op.drop_table('impact_assessments')
