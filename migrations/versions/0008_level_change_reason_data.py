"""level change: the threshold crossed as data (metric, value, threshold)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("level_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("threshold", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("level_change", schema=None) as batch_op:
        batch_op.drop_column("threshold")
        batch_op.drop_column("value")
        batch_op.drop_column("metric")
