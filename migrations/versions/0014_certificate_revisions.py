"""certificate_revisions: document-timestamp renewals of a certificate version's PDF

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificate_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('previous_sha256', sa.String(length=64), nullable=False),
    sa.Column('timestamp_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('algorithms', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('certificate_id', 'revision', name='uq_certificate_revisions_revision')
    )
    op.create_index(op.f('ix_certificate_revisions_certificate_id'), 'certificate_revisions', ['certificate_id'], unique=False)
    op.create_index(op.f('ix_certificate_revisions_pdf_sha256'), 'certificate_revisions', ['pdf_sha256'], unique=False)
    op.create_index(op.f('ix_certificate_revisions_previous_sha256'), 'certificate_revisions', ['previous_sha256'], unique=False)
    op.create_index(op.f('ix_certificate_revisions_timestamp_expires_at'), 'certificate_revisions', ['timestamp_expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_certificate_revisions_timestamp_expires_at'), table_name='certificate_revisions')
    op.drop_index(op.f('ix_certificate_revisions_previous_sha256'), table_name='certificate_revisions')
    op.drop_index(op.f('ix_certificate_revisions_pdf_sha256'), table_name='certificate_revisions')
    op.drop_index(op.f('ix_certificate_revisions_certificate_id'), table_name='certificate_revisions')
    op.drop_table('certificate_revisions')
