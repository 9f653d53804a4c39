"""The send-once ledgers: notices per incident and per group."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)


class Notice(SQLModel, table=True):
    """A one-off message already sent for an incident (alerts, reminders): never twice."""

    __tablename__ = "notice"
    __table_args__ = (sa.UniqueConstraint("incident_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    key: str = Field(max_length=128)
    sent_at: datetime = when(default=True)


class ChatNotice(SQLModel, table=True):
    """A one-off message for a group outside any incident (quarterly review, drill reminder): never twice."""

    __tablename__ = "chat_notice"
    __table_args__ = (sa.UniqueConstraint("chat_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    key: str = Field(max_length=128)
    sent_at: datetime = when(default=True)
