"""The retro's Feishu Doc (issue 14): one row per incident, the state of its document in the configured folder.

`revision` counts the retros asked for (each `/复盘` or close bumps it); `written_revision` is the last one written
completely. A row with `create_started_at` set but no `document_id` means a create was sent and its answer lost
(a crash, a timeout): the writer looks for the document by title before creating another."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)


class RetroDocument(SQLModel, table=True):
    __tablename__ = "retro_document"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    chat_id: str = Field(max_length=128)
    title: str = Field(max_length=256)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | done | blocked | failed
    revision: int = 1
    written_revision: int = 0
    as_of: datetime = when()  # the business time the retro is computed at
    document_id: str | None = Field(default=None, max_length=128)
    url: str = Field(default="", max_length=512)
    create_started_at: datetime | None = when(nullable=True)
    shared: bool = False
    attempts: int = 0
    next_attempt_at: datetime = when(default=True)
    last_error: str | None = Field(default=None, sa_type=sa.Text())
