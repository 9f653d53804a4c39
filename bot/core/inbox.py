"""The durable inbox: raw events are stored before they are acknowledged, deduplicated on
event id and message id, and processed later (also after a crash)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.core.models import InboxEvent


@dataclass(frozen=True)
class EventKeys:
    """What a transport adapter extracts from a raw event before it is stored."""

    event_id: str
    event_type: str
    message_id: str | None = None
    chat_id: str | None = None


def record(engine: Engine, *, source: str, keys: EventKeys, payload: dict[str, Any]) -> bool:
    """Store a raw event durably (committed on return); False when it was already stored
    under the same event id or message id."""
    if keys.message_id:
        duplicate = sa.or_(InboxEvent.event_id == keys.event_id, InboxEvent.message_id == keys.message_id)
    else:
        duplicate = InboxEvent.event_id == keys.event_id
    with Session(engine) as session:
        if session.exec(select(InboxEvent.id).where(duplicate).limit(1)).first() is not None:
            return False
        session.add(
            InboxEvent(
                source=source,
                event_id=keys.event_id,
                message_id=keys.message_id,
                event_type=keys.event_type,
                chat_id=keys.chat_id,
                payload=json.dumps(payload, ensure_ascii=False),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # a concurrent delivery of the same event won the race
            session.rollback()
            return False
    return True


def due_ids(session: Session, *, now: datetime, limit: int = 100) -> list[tuple[int, str | None]]:
    """(row id, chat id) of the events due now, oldest first. Per chat, in order: an event of a chat whose
    earlier event waits for a retry is held back until that one is done or dead (other chats go on)."""
    earlier = aliased(InboxEvent)
    waiting_before = (
        sa.exists()
        .where(
            earlier.chat_id == InboxEvent.chat_id,
            earlier.status == "pending",
            earlier.id < InboxEvent.id,
            earlier.next_attempt_at > now,
        )
        .correlate(InboxEvent)
    )
    stmt = (
        select(InboxEvent.id, InboxEvent.chat_id)
        .where(InboxEvent.status == "pending", InboxEvent.next_attempt_at <= now, ~waiting_before)
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    return [(row_id, chat_id) for row_id, chat_id in session.exec(stmt)]


def claim(session: Session, event_row_id: int) -> InboxEvent | None:
    """Lock a pending row for this transaction (skipped if another worker holds it)."""
    stmt = (
        select(InboxEvent)
        .where(InboxEvent.id == event_row_id, InboxEvent.status == "pending")
        .with_for_update(skip_locked=True)
    )
    return session.exec(stmt).first()


def retry_delay(attempts: int) -> timedelta:
    """Backoff for failed processing: 2 s, 4 s, 8 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 2**attempts))


def mark_failed(session: Session, event_row_id: int, *, error: str, max_attempts: int, now: datetime) -> str:
    row = session.get(InboxEvent, event_row_id)
    if row is None:
        return "missing"
    row.attempts += 1
    row.last_error = error[-4000:]
    if row.attempts >= max_attempts:
        row.status = "dead"
        row.processed_at = now
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
    session.add(row)
    return row.status


def counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(InboxEvent.status, sa.func.count()).group_by(InboxEvent.status))
    return {status: n for status, n in rows}


def mark_done(session: Session, row: InboxEvent) -> None:
    row.status = "done"
    row.processed_at = utcnow()
    session.add(row)
