"""security: accounts, tokens and sessions, the hash-chained audit log, its head and signed checkpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False, comment='login name; members get member-<id>'),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('member_id', BigId, nullable=True, comment='the only member a member account may read'),
    sa.Column('password_hash', sa.Text(), nullable=True, comment='argon2; null for token-only accounts'),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_accounts_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('member_id', name=op.f('uq_accounts_member_id')),
    sa.UniqueConstraint('name', name=op.f('uq_accounts_name'))
    )
    op.create_table('tokens',
    sa.Column('id', BigId, nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False, comment='the non-secret part of the token'),
    sa.Column('account_id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='api or session'),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('secret_hash', sa.Text(), nullable=False, comment='argon2 hash of the secret part'),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('public_id', name=op.f('uq_tokens_public_id'))
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tokens_account_id'), ['account_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=256), nullable=False),
    sa.Column('details', sa.Text(), nullable=False, comment='canonical JSON of ids and counts, hashed as stored'),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_target'), ['target'], unique=False)
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('audit_checkpoints',
    sa.Column('id', BigId, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False, comment='which audit key signed it'),
    sa.Column('signature', sa.String(length=64), nullable=False, comment='HMAC-SHA256 over seq and hash'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_checkpoints_seq'))
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_target'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))
    op.drop_table('audit_log')
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_account_id'))
    op.drop_table('tokens')
    op.drop_table('accounts')
