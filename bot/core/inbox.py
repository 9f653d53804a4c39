"""The durable inbox: raw events are stored before they are acknowledged, deduplicated on
event id and message id, and processed later (also after a crash).

Concurrent deliveries are stored by group commit: the caller that finds nobody writing writes every event waiting
at that moment in one transaction, the others wait for it (or take over the next batch); each returns only after
the transaction holding its event committed. On SQLite that commit is `synchronous=FULL` (fsync of the WAL: an
acknowledged event survives a power loss), the rest of the app keeps NORMAL."""

from __future__ import annotations

import json
import logging
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.core.db import SQLITE_SYNCHRONOUS
from bot.core.models import InboxEvent

log = logging.getLogger(__name__)
INBOX_SYNCHRONOUS = "FULL"  # SQLite's setting for the commit that makes an event durable before its ack


@dataclass(frozen=True)
class EventKeys:
    """What a transport adapter extracts from a raw event before it is stored."""

    event_id: str
    event_type: str
    message_id: str | None = None
    chat_id: str | None = None


def record(
    engine: Engine, *, source: str, keys: EventKeys, payload: dict[str, Any], synchronous: str = INBOX_SYNCHRONOUS
) -> bool:
    """Store a raw event durably (committed on return); False when it was already stored
    under the same event id or message id."""
    return _writer(engine, synchronous).record(source, keys, json.dumps(payload, ensure_ascii=False))


_writers: weakref.WeakKeyDictionary[Engine, dict[str, GroupCommit]] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def _writer(engine: Engine, synchronous: str) -> GroupCommit:
    with _writers_lock:
        by_mode = _writers.setdefault(engine, {})
        if synchronous not in by_mode:
            by_mode[synchronous] = GroupCommit(engine, synchronous=synchronous)
        return by_mode[synchronous]


class _Waiting:
    __slots__ = ("source", "keys", "payload", "lead", "wake", "stored", "error")

    def __init__(self, source: str, keys: EventKeys, payload: str) -> None:
        self.source, self.keys, self.payload = source, keys, payload
        self.lead = False
        self.wake = threading.Event()
        self.stored: bool | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Inbox writes of concurrent callers batched into one transaction (see the module docstring)."""

    def __init__(self, engine: Engine, *, synchronous: str = INBOX_SYNCHRONOUS, max_batch: int = 500) -> None:
        self.engine = engine
        self.synchronous = synchronous.upper()
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._writing = False

    def record(self, source: str, keys: EventKeys, payload: str) -> bool:
        me = _Waiting(source, keys, payload)
        with self._lock:
            self._queue.append(me)
            if not self._writing:
                self._writing = me.lead = True
        if not me.lead:
            me.wake.wait()  # stored by another caller's transaction, or made the next writer
        if me.lead:
            with self._lock:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                self._store(batch)
            finally:
                with self._lock:
                    if self._queue:  # hand over: the oldest waiting caller writes the next batch
                        self._queue[0].lead = True
                        self._queue[0].wake.set()
                    else:
                        self._writing = False
        if me.error is not None:
            raise me.error
        return bool(me.stored)

    def _store(self, batch: list[_Waiting]) -> None:
        try:
            with self.engine.connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA synchronous={self.synchronous}")
                try:
                    try:
                        self._insert_new(conn, batch)
                    except IntegrityError:  # a concurrent process stored one of them first: one at a time
                        conn.rollback()
                        for item in batch:
                            try:
                                item.stored = _insert_one(conn, item)
                            except Exception as exc:  # this one is not stored (and not acknowledged)
                                conn.rollback()
                                item.error = exc
                finally:
                    if sqlite:
                        conn.exec_driver_sql(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        except Exception as exc:  # nothing of this batch is acknowledged; the transport redelivers it
            log.error("storing %d inbox event(s) failed: %s", len(batch), type(exc).__name__)
            for item in batch:
                item.stored, item.error = None, exc
        finally:
            for item in batch:
                item.wake.set()

    def _insert_new(self, conn: Connection, batch: list[_Waiting]) -> None:
        """Everything of `batch` not stored before (nor earlier in the batch), in one committed transaction."""
        event_ids = {item.keys.event_id for item in batch}
        message_ids = {item.keys.message_id for item in batch if item.keys.message_id}
        seen = set()
        for event_id, message_id in conn.execute(
            sa.select(InboxEvent.event_id, InboxEvent.message_id).where(
                sa.or_(InboxEvent.event_id.in_(event_ids), InboxEvent.message_id.in_(message_ids))
            )
        ):
            seen.update(("e", event_id), ("m", message_id))
        rows, now = [], utcnow()
        for item in batch:
            marks = {("e", item.keys.event_id)} | ({("m", item.keys.message_id)} if item.keys.message_id else set())
            item.stored = not (marks & seen)
            if item.stored:
                seen |= marks
                rows.append(_row(item, now))
        if rows:
            conn.execute(sa.insert(InboxEvent), rows)
        conn.commit()


def _row(item: _Waiting, now: datetime) -> dict[str, Any]:
    return {
        "source": item.source,
        "event_id": item.keys.event_id,
        "message_id": item.keys.message_id,
        "event_type": item.keys.event_type,
        "chat_id": item.keys.chat_id,
        "payload": item.payload,
        "status": "pending",
        "attempts": 0,
        "received_at": now,
        "next_attempt_at": now,
    }


def _insert_one(conn: Connection, item: _Waiting) -> bool:
    keys = item.keys
    duplicate = InboxEvent.event_id == keys.event_id
    if keys.message_id:
        duplicate = sa.or_(duplicate, InboxEvent.message_id == keys.message_id)
    stored_before = sa.select(InboxEvent.id).where(duplicate).limit(1)
    if conn.execute(stored_before).first() is not None:
        conn.rollback()
        return False
    try:
        conn.execute(sa.insert(InboxEvent), [_row(item, utcnow())])
        conn.commit()
    except IntegrityError:
        conn.rollback()
        if conn.execute(stored_before).first() is not None:  # a concurrent delivery of the same event won the race
            conn.rollback()
            return False
        raise  # another constraint refused it: not stored, never acknowledged as a duplicate
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


# Built once: the processor claims and finishes every event with these (statement building and its cache key
# were a third of the processor's own time per event).
_CLAIM = (
    sa.select(InboxEvent.__table__)
    .where(InboxEvent.id == sa.bindparam("row_id"), InboxEvent.status == "pending")
    .with_for_update(skip_locked=True)
)
_DONE = (
    sa.update(InboxEvent.__table__)
    .where(InboxEvent.id == sa.bindparam("row_id"))
    .values(status="done", processed_at=sa.bindparam("at"))
)


def claim(session: Session, event_row_id: int) -> sa.Row | None:
    """Lock a pending row for this transaction (skipped if another worker holds it); its columns as attributes."""
    return session.connection().execute(_CLAIM, {"row_id": event_row_id}).first()


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


def mark_done(session: Session, row: sa.Row | InboxEvent) -> None:
    """Processed, in the caller's transaction."""
    session.connection().execute(_DONE, {"row_id": row.id, "at": utcnow()})
