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


# ---- the Feishu Tasks mirror (FEISHU_TASKS=on; see bot.followups.task_sync) -------------------------------------


class ItemTask(SQLModel, table=True):
    """An action item's mirror in the chat platform's task app: the idempotency token it is created with, the task
    once created, and what the task is known to carry (due date, completion), so each change is pushed once."""

    __tablename__ = "item_task"

    item_id: int = Field(foreign_key="action_item.id", primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    client_token: str = Field(max_length=64, unique=True)
    task_guid: str | None = Field(default=None, max_length=128)
    state: str = Field(default="pending", max_length=16, index=True)  # pending | linked | closed | failed | gone
    due_synced: date | None = None  # the due date the task carries
    attempts: int = 0
    next_try_at: datetime = when(default=True)
    denied_code: int = 0  # the permission/scope error last told to the group (0: none)
    last_error: str = Field(default="", sa_type=sa.Text())
    synced_at: datetime | None = when(nullable=True)  # last read back from the task app
    created_at: datetime = when(default=True)


class ChatTasklist(SQLModel, table=True):
    """The group's task list in the task app: every mirrored item of the group is a task in it."""

    __tablename__ = "chat_tasklist"

    chat_id: str = Field(max_length=128, primary_key=True)
    tasklist_guid: str = Field(default="", max_length=128)  # "": deleted in the task app, replaced at the next item
    replaced: int = 0  # lists of the group deleted there so far (a new list needs a new idempotency token)
    created_at: datetime = when(default=True)
