"""rights registry: rights holders, licences and the works they cover, acquisition provenance from credit lines, and
when a term not from the source record (an AI-made one a person accepted) was added

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('rights_holders',
    sa.Column('id', BigId, nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False, comment="the holder's id in imports and exports"),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='person or organisation'),
    sa.Column('creator_id', BigId, nullable=True),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_rights_holders_creator_id_creators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_holders')),
    sa.UniqueConstraint('key', name=op.f('uq_rights_holders_key')),
    sqlite_autoincrement=True)
    op.create_index(op.f('ix_rights_holders_creator_id'), 'rights_holders', ['creator_id'], unique=False)
    op.create_table('licences',
    sa.Column('id', BigId, nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False, comment="the licence's id in imports and exports"),
    sa.Column('holder_id', BigId, nullable=False),
    sa.Column('territories', sa.JSON(), nullable=False, comment='ISO 3166-1 alpha-2 codes, or ["world"]'),
    sa.Column('uses', sa.JSON(), nullable=False, comment='display, stream, download, print, reproduce, train_ai'),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=True, comment='last day covered; null: open-ended'),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('fee_kind', sa.String(length=8), nullable=False, comment='none, flat or per_use'),
    sa.Column('fee_amount', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True, comment='ISO 4217'),
    sa.Column('statement', sa.String(length=255), nullable=True, comment='rightsstatements.org or Creative Commons URI'),
    sa.Column('demo', sa.Boolean(), nullable=False, comment='generated for the demo catalogue'),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.Column('updated_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['rights_holders.id'], name=op.f('fk_licences_holder_id_rights_holders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licences')),
    sa.UniqueConstraint('key', name=op.f('uq_licences_key')),
    sqlite_autoincrement=True)
    op.create_index(op.f('ix_licences_holder_id'), 'licences', ['holder_id'], unique=False)
    op.create_index(op.f('ix_licences_ends'), 'licences', ['ends'], unique=False)
    op.create_index(op.f('ix_licences_updated_at'), 'licences', ['updated_at'], unique=False)
    op.create_table('licence_works',
    sa.Column('licence_id', BigId, nullable=False),
    sa.Column('work_id', BigId, nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], name=op.f('fk_licence_works_licence_id_licences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_licence_works_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('licence_id', 'work_id', name=op.f('pk_licence_works')))
    op.create_index(op.f('ix_licence_works_work_id'), 'licence_works', ['work_id'], unique=False)
    op.create_table('work_acquisitions',
    sa.Column('work_id', BigId, nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False, comment='purchased, presented, bequeathed, accepted_in_lieu, …'),
    sa.Column('party', sa.Text(), nullable=True, comment='who presented or bequeathed it, as the line names them'),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('credit_line', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_work_acquisitions_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('work_id', name=op.f('pk_work_acquisitions')))
    with op.batch_alter_table('work_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', AT, nullable=True, comment='null: from the source record; else when it was '
                                      'added (for AI-made terms, when a person accepted it)'))


def downgrade() -> None:
    with op.batch_alter_table('work_terms', schema=None) as batch_op:
        batch_op.drop_column('added_at')
    op.drop_table('work_acquisitions')
    op.drop_index(op.f('ix_licence_works_work_id'), table_name='licence_works')
    op.drop_table('licence_works')
    op.drop_index(op.f('ix_licences_updated_at'), table_name='licences')
    op.drop_index(op.f('ix_licences_ends'), table_name='licences')
    op.drop_index(op.f('ix_licences_holder_id'), table_name='licences')
    op.drop_table('licences')
    op.drop_index(op.f('ix_rights_holders_creator_id'), table_name='rights_holders')
    op.drop_table('rights_holders')
