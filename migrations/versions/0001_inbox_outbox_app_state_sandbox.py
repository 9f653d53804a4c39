"""inbox outbox app state sandbox

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_state",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_event_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_event_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_event_status"), ["status"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("source_event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("sent_message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("created_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_status"), ["status"], unique=False)

    op.create_table(
        "sandbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("sender_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("from_bot", sa.Boolean(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("created_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_message_chat_id"), ["chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_message_chat_id"))

    op.drop_table("sandbox_message")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_chat_id"))

    op.drop_table("outbox_message")
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_event_status"))
        batch_op.drop_index(batch_op.f("ix_inbox_event_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_inbox_event_chat_id"))

    op.drop_table("inbox_event")
    op.drop_table("app_state")
