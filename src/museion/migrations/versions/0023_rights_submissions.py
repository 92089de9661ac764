"""rights: fingerprints of indexed catalogue texts and images, and submissions checked against them

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('rights_fingerprints',
    sa.Column('id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False, comment='text or image'),
    sa.Column('label', sa.String(length=255), nullable=False, comment='the work key, or the file name of an indexed picture'),
    sa.Column('work_id', BigId, nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False, comment='catalogue, upload (a folder import) or generated (demo)'),
    sa.Column('text', sa.Text(), nullable=True, comment='the indexed text (texts only)'),
    sa.Column('hashes', sa.JSON(), nullable=True, comment='perceptual hashes of the whole and its windows'),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['works.id'], name=op.f('fk_rights_fingerprints_work_id_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_fingerprints')),
    sa.UniqueConstraint('kind', 'label', name=op.f('uq_rights_fingerprints_kind_label')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('rights_fingerprints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_fingerprints_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_fingerprints_work_id'), ['work_id'], unique=False)
    op.create_table('rights_submissions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False, comment='text or image'),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False, comment='of the submitted bytes'),
    sa.Column('submitted_by', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False, comment='pending, matched, clear or skipped'),
    sa.Column('reason', sa.Text(), nullable=True, comment='why it was skipped'),
    sa.Column('text', sa.Text(), nullable=True, comment='the submitted text (texts only)'),
    sa.Column('query', sa.JSON(), nullable=True, comment='pictures: the whole hashes of it and its mirror, its size'),
    sa.Column('job_id', sa.Integer(), nullable=True, comment='the rights_match job that matches it'),
    sa.Column('matches', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True, comment='infringing or cleared, from the queue'),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', AT, server_default=NOW, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_submissions')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('rights_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_submissions_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_submissions_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('rights_submissions')
    op.drop_table('rights_fingerprints')
