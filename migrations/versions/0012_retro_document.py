"""retro document: the Feishu Doc of each incident's retro (issue 14)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = bot.core.columns.UTCDateTime
    op.create_table(
        "retro_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", text(length=128), nullable=False),
        sa.Column("title", text(length=256), nullable=False),
        sa.Column("status", text(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("written_revision", sa.Integer(), nullable=False),
        sa.Column("as_of", when(timezone=True), nullable=False),
        sa.Column("document_id", text(length=128), nullable=True),
        sa.Column("url", text(length=512), nullable=False),
        sa.Column("create_started_at", when(timezone=True), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", when(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id"),
    )
    op.create_index("ix_retro_document_status", "retro_document", ["status"])


def downgrade() -> None:
    op.drop_index("ix_retro_document_status", table_name="retro_document")
    op.drop_table("retro_document")
