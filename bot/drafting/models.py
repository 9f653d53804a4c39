"""Drafts and the lint results of logged public statements."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when
from bot.incidents import models as _incidents  # noqa: F401  (its tables are referenced by foreign keys)
from bot.timeline import models as _timeline  # noqa: F401  (its tables are referenced by foreign keys)


class Draft(SQLModel, table=True):
    """A drafted text (reply, statement, KOL brief, support script), versioned, with its lint."""

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=16)  # reply | statement | kol | cs
    segment: str = Field(max_length=16)  # core | potential | general
    context: str = Field(default="", sa_type=sa.Text())  # what the team asked about (quoted user text …)
    version: int = 1
    text: str = Field(sa_type=sa.Text())
    source: str = Field(max_length=16)  # template | llm
    variant: int = 0  # which template variant / LLM alternative
    casual: bool = False
    score: int = 0
    findings: str = Field(default="[]", sa_type=sa.Text())  # JSON list of lint findings
    note: str = Field(default="", max_length=200)  # e.g. why the LLM was not used
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = when(default=True)
    adopted_by: str | None = Field(default=None, max_length=128)
    adopted_at: datetime | None = when(nullable=True)


class StatementLint(SQLModel, table=True):
    """The lint of a public statement the team logged (kept for the retrospective)."""

    __tablename__ = "statement_lint"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="timeline_entry.id", unique=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    score: int
    findings: str = Field(sa_type=sa.Text())  # JSON list
    has_remedy: bool = False
