"""use_copies: holders' annotated copies (加注件) of a certificate version

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "use_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index(op.f("ix_use_copies_certificate_id"), "use_copies", ["certificate_id"], unique=False)
    op.create_index(op.f("ix_use_copies_created_at"), "use_copies", ["created_at"], unique=False)
    op.create_index(op.f("ix_use_copies_pdf_sha256"), "use_copies", ["pdf_sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_use_copies_pdf_sha256"), table_name="use_copies")
    op.drop_index(op.f("ix_use_copies_created_at"), table_name="use_copies")
    op.drop_index(op.f("ix_use_copies_certificate_id"), table_name="use_copies")
    op.drop_table("use_copies")
