"""Action items and the per-group follow-up schedules."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)


class ActionItem(SQLModel, table=True):
    """An improvement action from an incident, with owners and a due date, followed up until done."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str = Field(sa_type=sa.Text())
    owners: str = Field(default="[]", sa_type=sa.Text())  # JSON list of user ids
    due: date | None = None
    status: str = Field(default="open", max_length=16, index=True)  # open | done | dropped
    reason: str = Field(default="", sa_type=sa.Text())
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = when(default=True)
    updated_at: datetime | None = when(nullable=True)


# ---- follow-ups outside an incident -----------------------------------------------------------


class GroupSchedule(SQLModel, table=True):
    """A group's own follow-up cadence; unset fields fall back to the settings, 0 switches it off."""

    __tablename__ = "group_schedule"

    chat_id: str = Field(max_length=128, primary_key=True)
    review_workday: int | None = None  # n-th working day of the quarter
    review_time: str | None = Field(default=None, max_length=5)  # HH:MM local
    drill_day: int | None = None  # day of the month (moved to the next working day)
    drill_time: str | None = Field(default=None, max_length=5)
    updated_by: str = Field(default="", max_length=128)
    updated_at: datetime = when(default=True)
