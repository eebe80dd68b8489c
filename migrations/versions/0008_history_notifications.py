"""verification history (events to the minute, daily counts) and holders' notifications

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verification_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verification_events') as batch:
        batch.create_index(batch.f('ix_verification_events_token'), ['token'], unique=False)
    op.create_table('verification_counts',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('token', 'day', 'channel')
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['holders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications') as batch:
        batch.create_index(batch.f('ix_notifications_holder_id'), ['holder_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.drop_index(batch.f('ix_notifications_holder_id'))
    op.drop_table('notifications')
    op.drop_table('verification_counts')
    with op.batch_alter_table('verification_events') as batch:
        batch.drop_index(batch.f('ix_verification_events_token'))
    op.drop_table('verification_events')
