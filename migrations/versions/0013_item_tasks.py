"""item tasks: action items mirrored as Feishu Tasks (FEISHU_TASKS=on) and the task list of each group

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_task",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("client_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("task_guid", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_synced", sa.Date(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("denied_code", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("synced_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["action_item.id"]),
        sa.PrimaryKeyConstraint("item_id"),
        sa.UniqueConstraint("client_token"),
    )
    op.create_index("ix_item_task_chat_id", "item_task", ["chat_id"])
    op.create_index("ix_item_task_state", "item_task", ["state"])
    op.create_table(
        "chat_tasklist",
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("tasklist_guid", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_tasklist")
    op.drop_index("ix_item_task_state", table_name="item_task")
    op.drop_index("ix_item_task_chat_id", table_name="item_task")
    op.drop_table("item_task")
