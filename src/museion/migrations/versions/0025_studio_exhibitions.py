"""studio: exhibition plans and their revisions (works in order, pins, reasons, who changed what)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('exhibition_plans',
    sa.Column('id', BigId, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('theme', sa.String(length=512), nullable=False, comment='the query, subject or seed work keys it was built from'),
    sa.Column('theme_by', sa.String(length=16), nullable=False, comment='query, subject or seeds'),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('proposal_id', BigId, nullable=True, comment='the queue proposal that publishes it'),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_exhibition_plans_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibition_plans')),
    sqlite_autoincrement=True,
    )
    op.create_table('exhibition_revisions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('plan_id', BigId, nullable=False),
    sa.Column('number', sa.Integer(), nullable=False, comment="1 = the builder's draft"),
    sa.Column('works', sa.JSON(), nullable=False, comment='[{key, title, year, reasons, pinned}] in hanging order'),
    sa.Column('summary', sa.JSON(), nullable=False, comment='coverage and representation targets (wanted, got)'),
    sa.Column('change', sa.String(length=255), nullable=False, comment='what this revision changed'),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['exhibition_plans.id'], name=op.f('fk_exhibition_revisions_plan_id_exhibition_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibition_revisions')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_exhibition_revisions_plan_id_number')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('exhibition_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibition_revisions_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    op.drop_table('exhibition_revisions')
    op.drop_table('exhibition_plans')
