"""audit events: the id of the HMAC key that chains each one (NULL: legacy, plain SHA-256)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 12:00:00.000000

Existing events are not re-MACed: a migration holds no secret, and rewriting the chain
would destroy the evidence it is. They stay verifiable as legacy unkeyed events; the
first keyed event chains to the last of them and so seals them (``ecert.audit``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_column('key_id')
