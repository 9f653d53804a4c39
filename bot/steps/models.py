"""Playbook steps of an incident with their deadlines and completion."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)


class IncidentStep(SQLModel, table=True):
    """A playbook step of one incident: owners by role, a deadline from the crisis start."""

    __tablename__ = "incident_step"
    __table_args__ = (sa.UniqueConstraint("incident_id", "step_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step_id: str = Field(max_length=64)
    role: str = Field(max_length=32)
    position: int = 0  # order in the playbook
    active: bool = False  # its condition holds (level, negative share …)
    due_at: datetime | None = when(nullable=True)
    status: str = Field(default="open", max_length=16)  # open | done
    done_at: datetime | None = when(nullable=True)
    done_by: str | None = Field(default=None, max_length=128)
    approved_by: str | None = Field(default=None, max_length=128)
    approved_at: datetime | None = when(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_at: datetime | None = when(nullable=True)
    prompted_at: datetime | None = when(nullable=True)
