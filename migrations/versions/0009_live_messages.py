"""live messages: one task card per role, updated in place; sandbox transcript revisions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.core.columns

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("shown", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("sent_at", bot.core.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", bot.core.columns.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    # Role cards sent before: the latest copy of each becomes the live one. An empty fingerprint matches no
    # state, so the next sweep of an open incident brings each card up to date and marks older copies.
    op.execute(
        """
        INSERT INTO live_message (ref, message_id, shown, sent_at, updated_at)
        SELECT ref, sent_message_id, '', sent_at, COALESCE(sent_at, created_at)
        FROM outbox_message
        WHERE id IN (
            SELECT MAX(id) FROM outbox_message
            WHERE ref LIKE 'incident:%:steps:%' AND sent_message_id IS NOT NULL
            GROUP BY ref
        )
        """
    )
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE sandbox_message SET revision = id")
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_message_revision"), ["revision"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_message_revision"))
        batch_op.drop_column("revision")
    op.drop_table("live_message")
