"""Reads and writes of comments and imports: the keys already stored (the dedup pre-check), bulk inserts through
SQLAlchemy Core (executemany), the import record, and what was imported into an incident."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.comments.models import Comment, CommentImport
from bot.comments.rows import Parsed


@dataclass(frozen=True)
class Scored:
    """A parsed comment with its sentiment, ready for the insert."""

    comment: Parsed
    label: str
    score: float
    emotions: tuple[str, ...]
    is_brand: bool
    words: str | None = None  # keyword candidates of a negative public comment


def earlier_import(session: Session, incident_id: int, file_hash: str) -> CommentImport | None:
    return session.exec(
        select(CommentImport).where(CommentImport.incident_id == incident_id, CommentImport.file_hash == file_hash)
    ).first()


def stored_keys(session: Session, incident_id: int) -> tuple[set[str], set[str]]:
    """(dedup keys, content keys) of the incident's comments: a new row matching either is a duplicate."""
    rows = session.execute(
        sa.select(Comment.dedup_key, Comment.content_key).where(Comment.incident_id == incident_id)
    ).all()
    return {r[0] for r in rows}, {r[1] for r in rows}


def start_import(
    session: Session,
    *,
    incident_id: int,
    file_hash: str,
    file_name: str,
    format_id: str,
    format_name: str,
    source: str,
    imported_by: str,
    at: datetime,
) -> CommentImport:
    record = CommentImport(
        incident_id=incident_id,
        file_hash=file_hash,
        file_name=file_name[:256],
        format=format_id,
        format_name=format_name[:128],
        source=source,
        imported_by=imported_by[:128],
        imported_at=at,
    )
    session.add(record)
    session.flush()
    return record


def finish_import(
    session: Session, record: CommentImport, *, read: int, imported: int, skipped: dict[str, int]
) -> None:
    record.read, record.imported = read, imported
    record.skipped = sum(skipped.values())
    record.skipped_reasons = json.dumps(skipped, ensure_ascii=False, sort_keys=True)
    session.add(record)
    session.flush()


def insert_comments(session: Session, *, incident_id: int, import_id: int, scored: Iterable[Scored]) -> int:
    """One executemany for the batch; the unique (incident, dedup key) index is the last guard against doubles."""
    values = [
        {
            "incident_id": incident_id,
            "import_id": import_id,
            "platform": s.comment.platform,
            "comment_id": s.comment.comment_id,
            "parent_id": s.comment.parent_id,
            "author": s.comment.author,
            "author_id": s.comment.author_id,
            "text": s.comment.text,
            "created_at": s.comment.created_at,
            "likes": s.comment.likes,
            "is_fan": s.comment.is_fan,
            "fans": s.comment.fans,
            "sentiment": s.label,
            "negative_score": s.score,
            "emotions": ",".join(s.emotions)[:128],
            "is_brand": s.is_brand,
            "words": s.words,
            "dedup_key": s.comment.id_key or f"c:{s.comment.content_key}",
            "content_key": s.comment.content_key,
        }
        for s in scored
    ]
    if values:
        session.execute(sa.insert(Comment), values)
    return len(values)


def imports_of(session: Session, incident_id: int) -> list[CommentImport]:
    return list(
        session.exec(select(CommentImport).where(CommentImport.incident_id == incident_id).order_by(CommentImport.id))
    )


@dataclass(frozen=True)
class Totals:
    comments: int
    by_platform: dict[str, int]
    brand: int


def totals(session: Session, incident_id: int) -> Totals:
    rows = session.execute(
        sa.select(Comment.platform, Comment.is_brand, sa.func.count())
        .where(Comment.incident_id == incident_id)
        .group_by(Comment.platform, Comment.is_brand)
    ).all()
    by_platform: dict[str, int] = {}
    for platform, _, n in rows:
        by_platform[platform] = by_platform.get(platform, 0) + n
    return Totals(sum(n for *_, n in rows), by_platform, sum(n for _, brand, n in rows if brand))


def skipped_reasons(record: CommentImport) -> dict[str, int]:
    return json.loads(record.skipped_reasons or "{}")
