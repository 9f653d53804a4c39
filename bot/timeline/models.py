"""The timeline: entries at event time, metric samples, level changes, evidence."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)


class TimelineEntry(SQLModel, table=True):
    """What happened and when (event time), as the group told it."""

    __tablename__ = "timeline_entry"
    __table_args__ = (sa.UniqueConstraint("incident_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = when(index=True)
    kind: str = Field(max_length=16)  # detection|spread|metric|action|statement|decision|note|system
    subkind: str | None = Field(default=None, max_length=32)  # e.g. initial | formal for statements
    author_id: str = Field(default="", max_length=128)
    author_name: str = Field(default="", max_length=128)
    text: str = Field(sa_type=sa.Text())
    message_id: str | None = Field(default=None, max_length=128)
    source: str = Field(default="message", max_length=16)  # message|command|system|backfill|pin
    links: str | None = Field(default=None, sa_type=sa.Text())  # JSON [{"url", "platform"}]
    recalled: bool = False
    pinned: bool = False
    classified_by: str = Field(
        default="rules", max_length=16, sa_column_kwargs={"server_default": "rules"}
    )  # rules | llm | llm_failed
    created_at: datetime = when(default=True)


class MetricSample(SQLModel, table=True):
    __tablename__ = "metric_sample"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    metric: str = Field(max_length=32)
    value: float
    platform: str = Field(default="xhs", max_length=16)
    at: datetime = when(index=True)
    source: str = Field(default="message", max_length=16)  # message | command | import
    entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")


class LevelChange(SQLModel, table=True):
    __tablename__ = "level_change"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = when()
    from_level: int
    to_level: int
    reason: str = Field(sa_type=sa.Text())  # free text for a change that is not a threshold (e.g. a command)
    # A threshold crossed, as data (worded by templates/retro/level_reason.j2): the metric, its value, the limit.
    metric: str | None = Field(default=None, max_length=32)
    value: float | None = None
    threshold: float | None = None


class Evidence(SQLModel, table=True):
    """An image or file posted in the group, kept with its hash (the original post may vanish)."""

    __tablename__ = "evidence"
    __table_args__ = (sa.UniqueConstraint("message_id", "resource_key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")
    message_id: str = Field(max_length=128)
    resource_key: str = Field(max_length=256)
    kind: str = Field(max_length=16)  # image | file | media | audio
    name: str = Field(default="", max_length=256)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | stored | failed
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary())
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    captured_at: datetime | None = when(nullable=True)
    next_attempt_at: datetime = when(default=True)
