"""catalogue and audience

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('creators',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('gender', sa.String(length=64), nullable=True),
    sa.Column('nationality', sa.String(length=128), nullable=True),
    sa.Column('region', sa.String(length=255), nullable=True),
    sa.Column('birth_place', sa.Text(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('death_year', sa.Integer(), nullable=True),
    sa.Column('career_stage', sa.String(length=32), nullable=True),
    sa.Column('external_ids', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.LargeBinary(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creators')),
    sa.UniqueConstraint('key', name=op.f('uq_creators_key'))
    )
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_creators_source'), ['source'], unique=False)

    op.create_table('import_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('rows_read', sa.BigInteger(), nullable=False),
    sa.Column('inserted', sa.BigInteger(), nullable=False),
    sa.Column('updated', sa.BigInteger(), nullable=False),
    sa.Column('unchanged', sa.BigInteger(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_file_sha256'), ['file_sha256'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('gender', sa.String(length=64), nullable=True),
    sa.Column('occupation', sa.String(length=128), nullable=True),
    sa.Column('content_hash', sa.LargeBinary(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('key', name=op.f('uq_members_key'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_source'), ['source'], unique=False)

    op.create_table('works',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False, comment='source:external id, stable across loads'),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('date_text', sa.String(length=255), nullable=True),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('region', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('medium', sa.Text(), nullable=True),
    sa.Column('acquisition_year', sa.Integer(), nullable=True),
    sa.Column('image_url', sa.Text(), nullable=True),
    sa.Column('rights', sa.Text(), nullable=True, comment='rights statement or licence as published'),
    sa.Column('external_ids', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.LargeBinary(length=16), nullable=False, comment='detects changes on re-import'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_works')),
    sa.UniqueConstraint('key', name=op.f('uq_works_key'))
    )
    with op.batch_alter_table('works', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_works_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_works_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_works_year'), ['year'], unique=False)

    op.create_table('credits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('creator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_credits_creator_id_creators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_credits_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credits')),
    sa.UniqueConstraint('work_id', 'creator_id', 'role', name=op.f('uq_credits_work_id_creator_id_role'))
    )
    with op.batch_alter_table('credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credits_creator_id'), ['creator_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uid', sa.LargeBinary(length=16), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('occurred_at', sa.BigInteger(), nullable=True, comment='seconds since 1970-01-01 UTC'),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('label', sa.Text(), nullable=True, comment='free text such as a tag'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_events_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_events_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('uid', name=op.f('uq_events_uid'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_member_id_occurred_at', ['member_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_work_id'), ['work_id'], unique=False)

    op.create_table('work_terms',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('vocabulary', sa.String(length=32), nullable=False),
    sa.Column('term', sa.String(length=512), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_work_terms_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_terms')),
    sa.UniqueConstraint('work_id', 'vocabulary', 'term', name=op.f('uq_work_terms_work_id_vocabulary_term'))
    )
    with op.batch_alter_table('work_terms', schema=None) as batch_op:
        batch_op.create_index('ix_work_terms_vocabulary_term', ['vocabulary', 'term'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_work_terms_vocabulary_term')

    op.drop_table('work_terms')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_work_id'))
        batch_op.drop_index('ix_events_member_id_occurred_at')

    op.drop_table('events')
    with op.batch_alter_table('credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credits_creator_id'))

    op.drop_table('credits')
    with op.batch_alter_table('works', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_works_year'))
        batch_op.drop_index(batch_op.f('ix_works_source'))
        batch_op.drop_index(batch_op.f('ix_works_kind'))

    op.drop_table('works')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_source'))

    op.drop_table('members')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_file_sha256'))

    op.drop_table('import_runs')
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_creators_source'))

    op.drop_table('creators')
