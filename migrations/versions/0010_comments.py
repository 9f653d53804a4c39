"""comments: imported public comments with their sentiment, and the imports they came in

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "comment_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("file_hash", AutoString(length=64), nullable=False),
        sa.Column("file_name", AutoString(length=256), nullable=False),
        sa.Column("format", AutoString(length=64), nullable=False),
        sa.Column("format_name", AutoString(length=128), nullable=False),
        sa.Column("source", AutoString(length=16), nullable=False),
        sa.Column("imported_by", AutoString(length=128), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("skipped_reasons", sa.Text(), nullable=False),
        sa.Column("imported_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "file_hash"),
    )
    with op.batch_alter_table("comment_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_import_incident_id"), ["incident_id"], unique=False)
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("platform", AutoString(length=16), nullable=False),
        sa.Column("comment_id", AutoString(length=64), nullable=False),
        sa.Column("parent_id", AutoString(length=64), nullable=False),
        sa.Column("author", AutoString(length=128), nullable=False),
        sa.Column("author_id", AutoString(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("is_fan", sa.Boolean(), nullable=True),
        sa.Column("fans", sa.Integer(), nullable=True),
        sa.Column("sentiment", AutoString(length=16), nullable=False),
        sa.Column("negative_score", sa.Float(), nullable=False),
        sa.Column("emotions", AutoString(length=128), nullable=False),
        sa.Column("is_brand", sa.Boolean(), nullable=False),
        sa.Column("dedup_key", AutoString(length=96), nullable=False),
        sa.Column("content_key", AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["comment_import.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "dedup_key"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_import_id"), ["import_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_content_key"), ["content_key"], unique=False)


def downgrade() -> None:
    op.drop_table("comment")
    op.drop_table("comment_import")
