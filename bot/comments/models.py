"""Imported comments and the imports they came in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when


class CommentImport(SQLModel, table=True):
    """One file (or pushed body) imported into an incident; a file is imported once per incident."""

    __tablename__ = "comment_import"
    __table_args__ = (sa.UniqueConstraint("incident_id", "file_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    file_hash: str = Field(max_length=64)  # sha256 of the bytes
    file_name: str = Field(default="", max_length=256)
    format: str = Field(max_length=64)  # e.g. mediacrawler_xhs, generic
    format_name: str = Field(default="", max_length=128)  # e.g. MediaCrawler 小红书评论导出
    source: str = Field(max_length=16)  # chat | cli | api | sandbox
    imported_by: str = Field(default="", max_length=128)
    read: int = 0  # data rows read (blank lines and trailing summary rows not counted)
    imported: int = 0
    skipped: int = 0
    skipped_reasons: str = Field(default="{}", sa_type=sa.Text())  # JSON: reason → count
    imported_at: datetime = when()


class Comment(SQLModel, table=True):
    """One public comment at its event time, with its sentiment as classified at import."""

    __tablename__ = "comment"
    __table_args__ = (sa.UniqueConstraint("incident_id", "dedup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    import_id: int = Field(foreign_key="comment_import.id", index=True)
    platform: str = Field(max_length=16)  # xhs | weibo | douyin | …
    comment_id: str = Field(default="", max_length=64)
    parent_id: str = Field(default="", max_length=64)  # "" for a top-level comment
    author: str = Field(default="", max_length=128)
    author_id: str = Field(default="", max_length=128)
    text: str = Field(sa_type=sa.Text())
    created_at: datetime = when(index=True)  # event time: when the comment was posted
    likes: int = 0
    is_fan: bool | None = None
    fans: int | None = None
    sentiment: str = Field(max_length=16)  # negative | neutral | positive
    negative_score: float = 0.0  # probability of negative
    emotions: str = Field(default="", max_length=128)  # comma-separated crisis-emotion codes
    is_brand: bool = False  # the brand's own account: stored, not public sentiment
    # a negative public comment's keyword candidates, cut at import (bot.comments.keywords), space-separated;
    # NULL for the others (and for comments stored before the column existed: cut when counted)
    words: str | None = Field(default=None, sa_type=sa.Text())
    # platform + comment id when there is one, else author + text + time; the unique guard against doubles
    dedup_key: str = Field(max_length=96)
    content_key: str = Field(max_length=32, index=True)  # author + text + time digest
