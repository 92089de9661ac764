"""privacy: declare the purpose under which the gate looks members up for their own requests and controls

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PURPOSE = {'code': 'member_rights',
           'version': 1,
           'name': "Members' own requests and controls",
           'description': 'Act on what a member asks: their consent decisions, self-service settings, data-subject '
                          'requests and copies of their data.',
           'legal_basis': 'legal_obligation',
           'categories': ['membership', 'activity'],
           'retention_days': None}


def upgrade() -> None:
    purposes = sa.table('purposes', sa.column('code', sa.String), sa.column('version', sa.Integer),
                        sa.column('name', sa.Text), sa.column('description', sa.Text), sa.column('legal_basis', sa.String),
                        sa.column('categories', sa.JSON), sa.column('retention_days', sa.Integer))
    op.bulk_insert(purposes, [PURPOSE])


def downgrade() -> None:
    op.execute("DELETE FROM purposes WHERE code = 'member_rights'")
