"""correction_requests: a holder asks for a correction, staff answer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('correction_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('certificate_number', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('what_is_wrong', sa.Text(), nullable=False),
    sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('attachment_type', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=128), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['holder_id'], ['holders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_correction_requests_holder_id'), 'correction_requests', ['holder_id'], unique=False)
    op.create_index(op.f('ix_correction_requests_certificate_number'), 'correction_requests', ['certificate_number'], unique=False)
    op.create_index(op.f('ix_correction_requests_status'), 'correction_requests', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_correction_requests_status'), table_name='correction_requests')
    op.drop_index(op.f('ix_correction_requests_certificate_number'), table_name='correction_requests')
    op.drop_index(op.f('ix_correction_requests_holder_id'), table_name='correction_requests')
    op.drop_table('correction_requests')
