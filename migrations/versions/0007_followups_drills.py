"""follow-ups: chat notices, group schedules, drills

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("sent_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "key"),
    )
    with op.batch_alter_table("chat_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_notice_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "group_schedule",
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("review_workday", sa.Integer(), nullable=True),
        sa.Column("review_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("drill_day", sa.Integer(), nullable=True),
        sa.Column("drill_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("updated_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "drill_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("scenario", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("started_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id"),
    )
    with op.batch_alter_table("drill_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drill_run_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drill_run_status"), ["status"], unique=False)

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_scale", sa.Float(), server_default="1.0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("time_scale")

    with op.batch_alter_table("drill_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drill_run_status"))
        batch_op.drop_index(batch_op.f("ix_drill_run_chat_id"))

    op.drop_table("drill_run")
    op.drop_table("group_schedule")
    with op.batch_alter_table("chat_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_notice_chat_id"))

    op.drop_table("chat_notice")
