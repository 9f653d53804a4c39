"""Drill runs: a scenario played into a drill incident."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)


class DrillRun(SQLModel, table=True):
    """A drill: a scripted scenario played into a drill incident, its injects posted at their offsets."""

    __tablename__ = "drill_run"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    chat_id: str = Field(max_length=128, index=True)
    scenario: str = Field(max_length=64)
    speed: float = 1.0
    status: str = Field(default="running", max_length=16, index=True)  # running | finished | stopped
    started_by: str = Field(default="", max_length=128)
    started_at: datetime = when()
    finished_at: datetime | None = when(nullable=True)
