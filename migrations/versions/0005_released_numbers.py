"""released numbers: a reservation released after a failure gives its number to the next one

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('released_numbers',
    sa.Column('office_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('office_code', 'year', 'seq')
    )


def downgrade() -> None:
    op.drop_table('released_numbers')
