"""holders.mobile: the number one-time codes go to, from the decisions CSV

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('holders') as batch:
        batch.add_column(sa.Column('mobile', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('holders') as batch:
        batch.drop_column('mobile')
