"""privacy: purposes (seeded from the data map), consent ledger, access records, vault, subject requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
SEED_PURPOSES = [{'code': 'personalisation',
  'version': 1,
  'name': 'Personalised recommendations',
  'description': 'Suggest works to a member from what they did; every item says why.',
  'legal_basis': 'consent',
  'categories': ['activity'],
  'retention_days': 730},
 {'code': 'analytics',
  'version': 1,
  'name': 'Audience analytics',
  'description': 'Aggregate trends and statistics for programming decisions; never about one member.',
  'legal_basis': 'legitimate_interest',
  'categories': ['activity'],
  'retention_days': 365},
 {'code': 'research',
  'version': 1,
  'name': 'Research',
  'description': "Studies of taste and fairness on pseudonymous data, with the member's consent.",
  'legal_basis': 'consent',
  'categories': ['activity', 'demographics'],
  'retention_days': 1095},
 {'code': 'fairness_audit',
  'version': 1,
  'name': 'Fairness audits',
  'description': 'Check that recommendations serve every group of members and creators fairly.',
  'legal_basis': 'legitimate_interest',
  'categories': ['activity', 'demographics'],
  'retention_days': 365}]


def upgrade() -> None:
    purposes = op.create_table('purposes',
    sa.Column('id', BigId, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=32), nullable=False, comment='consent, contract, legitimate_interest, legal_obligation'),
    sa.Column('categories', sa.JSON(), nullable=False, comment='data categories of the data map'),
    sa.Column('retention_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purposes')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_purposes_code_version'))
    )
    op.create_table('consents',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('notice_version', sa.String(length=32), nullable=False, comment='the privacy notice the member saw'),
    sa.Column('source', sa.String(length=64), nullable=False, comment='where the decision was made: web, app, import…'),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_consents_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index('ix_consents_member_id_purpose_id', ['member_id', 'purpose', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_purpose'), ['purpose'], unique=False)
    op.create_table('access_records',
    sa.Column('id', BigId, nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_records'))
    )
    with op.batch_alter_table('access_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_records_purpose'), ['purpose'], unique=False)
    op.create_table('vault_entries',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False, comment='which vault key encrypted it (for rotation)'),
    sa.Column('nonce', sa.LargeBinary(length=12), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_vault_entries_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_entries')),
    sa.UniqueConstraint('member_id', name=op.f('uq_vault_entries_member_id'))
    )
    op.create_table('subject_requests',
    sa.Column('id', BigId, nullable=False),
    sa.Column('member_id', BigId, nullable=True),
    sa.Column('member_ref', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=128), nullable=True),
    sa.Column('verification', sa.Text(), nullable=True, comment='how identity was checked'),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=False, comment='counts only, never personal data'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_subject_requests_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_requests'))
    )
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_requests_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_requests_member_ref'), ['member_ref'], unique=False)
    op.create_table('dp_budgets',
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('total_epsilon', sa.Float(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('dataset', name=op.f('pk_dp_budgets'))
    )
    op.create_table('dp_spends',
    sa.Column('id', BigId, nullable=False),
    sa.Column('dataset', sa.String(length=64), nullable=False),
    sa.Column('epsilon', sa.Float(), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['dataset'], ['dp_budgets.dataset'], name=op.f('fk_dp_spends_dataset_dp_budgets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dp_spends'))
    )
    with op.batch_alter_table('dp_spends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dp_spends_dataset'), ['dataset'], unique=False)
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=True,
                                      comment="processing restricted at the member's request: kept, never used"))
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retrain_reason', sa.Text(), nullable=True, comment='set when data it learned from was erased'))
    # The data map's purposes as they stood at this revision (frozen here: later changes are new versions).
    op.bulk_insert(purposes, SEED_PURPOSES)


def downgrade() -> None:
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.drop_column('retrain_reason')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('restricted_at')
    with op.batch_alter_table('dp_spends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dp_spends_dataset'))
    op.drop_table('dp_spends')
    op.drop_table('dp_budgets')
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_requests_member_ref'))
        batch_op.drop_index(batch_op.f('ix_subject_requests_member_id'))
    op.drop_table('subject_requests')
    op.drop_table('vault_entries')
    with op.batch_alter_table('access_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_records_purpose'))
    op.drop_table('access_records')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_purpose'))
        batch_op.drop_index('ix_consents_member_id_purpose_id')
    op.drop_table('consents')
    op.drop_table('purposes')
