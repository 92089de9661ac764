"""risk: per-column profiles of imported files (risk_import_profiles), and where tokens are used from
(token_addresses: keyed hashes of networks, never addresses) for the "token used from a new address" misuse check

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOW = sa.text('(CURRENT_TIMESTAMP)')
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('risk_import_profiles',
    sa.Column('id', BigId, nullable=False),
    sa.Column('run_id', BigId, nullable=False, comment='the import_runs row it profiles'),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False, comment='column -> rows, nulls, sample or counts'),
    sa.Column('at', AT, server_default=NOW, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_import_profiles')),
    sa.UniqueConstraint('run_id', name=op.f('uq_risk_import_profiles_run_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('risk_import_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_import_profiles_source'), ['source'], unique=False)
    op.create_table('token_addresses',
    sa.Column('id', BigId, nullable=False),
    sa.Column('token_id', BigId, nullable=False),
    sa.Column('account_id', BigId, nullable=False),
    sa.Column('address_key', sa.String(length=32), nullable=False,
              comment='keyed hash (HMAC-SHA256, 128 bits) of the network'),
    sa.Column('first_seen', AT, server_default=NOW, nullable=False),
    sa.Column('last_seen', AT, server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], name=op.f('fk_token_addresses_token_id_tokens'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_token_addresses_account_id_accounts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_addresses')),
    sa.UniqueConstraint('token_id', 'address_key', name=op.f('uq_token_addresses_token_id_address_key')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('token_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_addresses_token_id'), ['token_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_token_addresses_first_seen'), ['first_seen'], unique=False)


def downgrade() -> None:
    op.drop_table('token_addresses')
    op.drop_table('risk_import_profiles')
