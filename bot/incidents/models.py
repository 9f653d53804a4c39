"""Incidents and who holds which role in a group."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when


class Incident(SQLModel, table=True):
    """One crisis in one group, from detection (`started_at`) to close."""

    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    title: str = Field(max_length=200)
    playbook: str = Field(max_length=64)
    playbook_reason: str = Field(default="", max_length=200)  # why this playbook was chosen
    level: int = 2
    status: str = Field(default="open", max_length=16, index=True)  # open | closed
    started_at: datetime = when()
    opened_at: datetime = when()
    closed_at: datetime | None = when(nullable=True)
    opened_by: str = Field(default="", max_length=128)
    open_message_id: str = Field(default="", max_length=128)
    remedy: str | None = Field(default=None, sa_type=sa.Text())
    is_drill: bool = False
    # Drills run compressed: playbook deadlines and the scenario's injects are divided by this factor.
    time_scale: float = Field(default=1.0, sa_column_kwargs={"server_default": "1.0"})


class RoleAssignment(SQLModel, table=True):
    """The group's roster: kept between incidents."""

    __tablename__ = "role_assignment"
    __table_args__ = (sa.UniqueConstraint("chat_id", "role", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    role: str = Field(max_length=32)  # lead | ops | marketing | support | qa
    user_id: str = Field(max_length=128)
    user_name: str = Field(default="", max_length=128)
    assigned_by: str = Field(default="", max_length=128)
    assigned_at: datetime = when(default=True)


class MemberName(SQLModel, table=True):
    """A group member's display name as the chat platform knows it (Feishu's chat members), cached so reports show
    names, not ou_ ids. Refreshed when older than the expiry; a member who left keeps the last known name."""

    __tablename__ = "member_name"
    __table_args__ = (sa.UniqueConstraint("chat_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    user_id: str = Field(max_length=128)
    name: str = Field(max_length=128)
    source: str = Field(default="platform", max_length=16)  # platform (the member list) | message (a mention, a sender)
    fetched_at: datetime = when()
