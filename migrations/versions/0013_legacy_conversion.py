"""legacy conversion: rosters, applications, evidence, provenance

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:48:21.996438
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.Column('source_label', sa.String(length=128), nullable=False),
    sa.Column('source_file', sa.String(length=200), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('sheet', sa.String(length=64), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.String(length=2), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('id_number_original', sa.String(length=18), nullable=True),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('series', sa.String(length=64), nullable=True),
    sa.Column('specialty', sa.String(length=128), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('qualification', sa.String(length=64), nullable=False),
    sa.Column('approval_date', sa.Date(), nullable=True),
    sa.Column('approval_date_text', sa.String(length=32), nullable=True),
    sa.Column('approval_date_precision', sa.String(length=8), nullable=True),
    sa.Column('approving_body', sa.String(length=200), nullable=True),
    sa.Column('doc_no', sa.String(length=64), nullable=True),
    sa.Column('paper_number', sa.String(length=64), nullable=True),
    sa.Column('imported_by', sa.String(length=128), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('row_key')
    )
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_entries_doc_no'), ['doc_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_paper_number'), ['paper_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_source_sha256'), ['source_sha256'], unique=False)

    op.create_table('legacy_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('case', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claim', sa.JSON(), nullable=False),
    sa.Column('staff_changes', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('max_severity', sa.Integer(), nullable=False),
    sa.Column('roster_entry_id', sa.Integer(), nullable=True),
    sa.Column('commitment_text', sa.Text(), nullable=True),
    sa.Column('commitment_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('staff_message', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('recommended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('certificate_number', sa.String(length=32), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['approver_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['roster_entry_id'], ['roster_entries.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('legacy_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_applications_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_applications_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_applications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_applications_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('legacy_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('image_hash', sa.String(length=32), nullable=True),
    sa.Column('thumbnail_sha256', sa.String(length=64), nullable=True),
    sa.Column('ocr_text', sa.Text(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['legacy_applications.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('legacy_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_evidence_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_evidence_image_hash'), ['image_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_evidence_original_sha256'), ['original_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_legacy_evidence_sha256'), ['sha256'], unique=False)

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('provenance', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_decisions_paper_number'), ['paper_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_paper_number'))
        batch_op.drop_column('provenance')
        batch_op.drop_column('paper_number')

    with op.batch_alter_table('legacy_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legacy_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_legacy_evidence_original_sha256'))
        batch_op.drop_index(batch_op.f('ix_legacy_evidence_image_hash'))
        batch_op.drop_index(batch_op.f('ix_legacy_evidence_application_id'))

    op.drop_table('legacy_evidence')
    with op.batch_alter_table('legacy_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legacy_applications_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_legacy_applications_status'))
        batch_op.drop_index(batch_op.f('ix_legacy_applications_id_number'))
        batch_op.drop_index(batch_op.f('ix_legacy_applications_account_id'))

    op.drop_table('legacy_applications')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_entries_source_sha256'))
        batch_op.drop_index(batch_op.f('ix_roster_entries_paper_number'))
        batch_op.drop_index(batch_op.f('ix_roster_entries_name'))
        batch_op.drop_index(batch_op.f('ix_roster_entries_id_number'))
        batch_op.drop_index(batch_op.f('ix_roster_entries_doc_no'))

    op.drop_table('roster_entries')
