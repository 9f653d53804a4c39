"""incidents roster timeline metrics evidence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("playbook", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("playbook_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("open_message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("remedy", sa.Text(), nullable=True),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)

    op.create_table(
        "role_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("assigned_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("assigned_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "role", "user_id"),
    )
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_assignment_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "level_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_level", sa.Integer(), nullable=False),
        sa.Column("to_level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("level_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_level_change_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("sent_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "key"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "timeline_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subkind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("links", sa.Text(), nullable=True),
        sa.Column("recalled", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("created_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "message_id"),
    )
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeline_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_timeline_entry_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("resource_key", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("captured_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["timeline_entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "resource_key"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_status"), ["status"], unique=False)

    op.create_table(
        "metric_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["timeline_entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("metric_sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_sample_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_metric_sample_incident_id"), ["incident_id"], unique=False)

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_message_ref"), ["ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_sent_message_id"), ["sent_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_sent_message_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_ref"))
        batch_op.drop_column("ref")

    with op.batch_alter_table("metric_sample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_sample_incident_id"))
        batch_op.drop_index(batch_op.f("ix_metric_sample_at"))

    op.drop_table("metric_sample")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_status"))
        batch_op.drop_index(batch_op.f("ix_evidence_incident_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_entry_incident_id"))
        batch_op.drop_index(batch_op.f("ix_timeline_entry_at"))

    op.drop_table("timeline_entry")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_incident_id"))

    op.drop_table("notice")
    with op.batch_alter_table("level_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_level_change_incident_id"))

    op.drop_table("level_change")
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignment_chat_id"))

    op.drop_table("role_assignment")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_status"))
        batch_op.drop_index(batch_op.f("ix_incident_chat_id"))

    op.drop_table("incident")
