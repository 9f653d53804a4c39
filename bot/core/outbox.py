"""The durable outbox: every send is written in the same transaction as the work that
caused it, then delivered with an idempotency uuid, retried with capped backoff for hours (a long outage), in order
per chat; once a chat's backlog is through, the chat is told how many replies came late.
A live message (a role's task card) is sent once and updated in place after (bot.core.live_messages)."""

from __future__ import annotations

import json
import logging
import time
import uuid as uuidlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock.now import as_utc, utcnow
from bot.core import live_messages
from bot.core.messages import Outbound, outbound_from_payload
from bot.core.messenger import Messenger, SendError
from bot.core.models import AppState, OutboxMessage
from bot.core.ratelimit import SendRate, SharedSendRate
from bot.core.wording import say

log = logging.getLogger(__name__)
SLOW_SEND_SECONDS = 3.0  # a send slower than this is worth a warning

DELAY_NOTICE_REF = "outbox:delayed"  # the 网络恢复 notice itself never counts as a delayed reply
_NAMESPACE = uuidlib.UUID("6f1c5a52-8d7e-4f7b-9a51-6c1f0b0e4d21")


def enqueue(session: Session, messages: list[Outbound], *, key: str | None = None) -> list[OutboxMessage]:
    """Queue messages inside the caller's transaction. With `key` (e.g. the inbox event id)
    the uuids are derived from it, so re-running the same work queues nothing new."""
    rows = []
    for index, message in enumerate(messages):
        uid = str(uuidlib.uuid5(_NAMESPACE, f"{key}#{index}")) if key else str(uuidlib.uuid4())
        if key and session.exec(select(OutboxMessage.id).where(OutboxMessage.uuid == uid)).first():
            continue
        row = OutboxMessage(
            uuid=uid,
            chat_id=message.chat_id,
            kind=message.kind,
            payload=json.dumps(message.payload(), ensure_ascii=False),
            content=message.content,
            source_event_id=key,
            ref=message.ref or None,
        )
        session.add(row)
        rows.append(row)
    return rows


def retry_delay(attempts: int, retry_after: float | None = None, *, base: float = 1.0, cap: float = 300.0) -> timedelta:
    """base, 2×base, 4×base … capped at `cap` (5 minutes); a transport's own hint wins when longer."""
    delay = min(cap, base * 2 ** min(max(0, attempts - 1), 40))
    return timedelta(seconds=max(delay, retry_after or 0.0))


@dataclass(frozen=True)
class RetryPolicy:
    """How long a failing send keeps being retried. `horizon`: retryable errors are retried until the message
    has waited this long since it was queued (None: `max_attempts` attempts); other failures count attempts."""

    max_attempts: int = 12
    base: float = 1.0
    cap: float = 300.0
    horizon: timedelta | None = None
    late: timedelta | None = None  # a reply sent this late after a failure is counted in the chat's notice

    def gives_up(self, row: OutboxMessage, now: datetime, *, retryable: bool) -> bool:
        if retryable and self.horizon is not None:
            return now - row.created_at >= self.horizon
        return not retryable or row.attempts >= self.max_attempts


@dataclass
class DeliveryPass:
    sent: int = 0
    failed: int = 0
    wait: float | None = None  # seconds until something becomes due again (None: nothing pending)

    def shorten(self, seconds: float) -> None:
        seconds = max(0.05, seconds)
        self.wait = seconds if self.wait is None else min(self.wait, seconds)


def deliver_due(
    engine: Engine,
    messenger: Messenger,
    *,
    rate: SendRate | SharedSendRate,
    max_attempts: int = 12,
    retry_base: float = 1.0,
    policy: RetryPolicy | None = None,
    now_fn=utcnow,
    batch: int = 200,
    pool: ThreadPoolExecutor | None = None,
) -> DeliveryPass:
    """Send what is due, oldest first within each chat, chats in parallel on `pool`. A chat whose
    earlier message waits for a retry is held back so its messages arrive in queued order. When a chat's
    backlog is through and some of it came late after failures, one notice says how many (`policy.late`)."""
    policy = policy or RetryPolicy(max_attempts=max_attempts, base=retry_base)
    with Session(engine) as session:
        pending = session.exec(
            select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(batch)
        ).all()
    result = DeliveryPass()
    queues: dict[str, list[int]] = {}
    held: set[str] = set()
    now = now_fn()
    for row_id, chat_id, next_at in pending:
        if chat_id in held:
            continue
        if next_at > now:
            held.add(chat_id)
            result.shorten((next_at - now).total_seconds())
            continue
        queues.setdefault(chat_id, []).append(row_id)

    def run_chat(chat_id: str, ids: list[int]) -> DeliveryPass:
        part = DeliveryPass()
        for row_id in ids:
            wait = rate.reserve(chat_id)
            if wait > 0:
                part.shorten(wait)
                break
            outcome = _deliver_one(engine, messenger, row_id, policy=policy, now_fn=now_fn)
            if outcome == "sent":
                part.sent += 1
            elif outcome == "dead":
                part.failed += 1
            elif outcome == "retry":
                part.failed += 1
                part.shorten(policy.base / 2)
                break
            elif outcome == "skipped":  # another process is sending it: the chat's later messages wait behind it
                part.shorten(0.1)
                break
        if part.sent and policy.late is not None and _notice_delays(engine, chat_id, late=policy.late):
            part.shorten(0)
        return part

    if pool is None or len(queues) < 2:
        parts = [run_chat(chat_id, ids) for chat_id, ids in queues.items()]
    else:
        parts = [f.result() for f in [pool.submit(run_chat, chat_id, ids) for chat_id, ids in queues.items()]]
    for part in parts:
        result.sent += part.sent
        result.failed += part.failed
        if part.wait is not None:
            result.shorten(part.wait)
    if len(pending) == batch and result.sent:
        result.wait = 0  # more may be waiting beyond this batch
    return result


def _deliver_one(engine: Engine, messenger: Messenger, row_id: int, *, policy: RetryPolicy, now_fn) -> str:
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return "skipped"
        message = outbound_from_payload(json.loads(row.payload), row.content)
        started = time.monotonic()
        try:
            if message.live:
                row.sent_message_id, marks = live_messages.deliver(
                    session, messenger, message, uuid=row.uuid, now=now_fn()
                )
                for mark in marks:
                    enqueue(session, [mark], key=live_messages.mark_key(mark.update_message_id))
            else:
                row.sent_message_id = messenger.send(message, uuid=row.uuid)
        except SendError as exc:
            row.attempts += 1
            row.last_error = str(exc)[-2000:]
            now = now_fn()
            if policy.gives_up(row, now, retryable=exc.retryable):
                row.status = "dead"
                log.error("outbox %s to %s given up after %d attempts: %s", row.uuid, row.chat_id, row.attempts, exc)
            else:
                row.next_attempt_at = now + retry_delay(row.attempts, exc.retry_after, base=policy.base, cap=policy.cap)
                log.warning(
                    "outbox %s to %s failed (attempt %d), will retry: %s", row.uuid, row.chat_id, row.attempts, exc
                )
            session.add(row)
            session.commit()
            return "dead" if row.status == "dead" else "retry"
        except Exception as exc:  # an unexpected transport bug: keep the message, retry later
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[-2000:]
            row.next_attempt_at = now_fn() + retry_delay(row.attempts, base=policy.base, cap=policy.cap)
            if row.attempts >= policy.max_attempts:
                row.status = "dead"
            log.exception("outbox %s to %s crashed the messenger", row.uuid, row.chat_id)
            session.add(row)
            session.commit()
            return "dead" if row.status == "dead" else "retry"
        row.status = "sent"
        row.sent_at = now_fn()
        session.add(row)
        session.commit()
        seconds = time.monotonic() - started
        log.log(
            logging.WARNING if seconds > SLOW_SEND_SECONDS else logging.INFO,
            "sent %s %s to chat %s in %.0f ms%s",
            row.kind,
            row.uuid,
            row.chat_id,
            seconds * 1000,
            f" ({row.ref})" if row.ref else "",
        )
        return "sent"


def pending_count(session: Session) -> int:
    stmt = select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
    return int(session.exec(stmt).one())


def _notice_delays(engine: Engine, chat_id: str, *, late: timedelta) -> bool:
    """Once nothing is pending for the chat any more, queue one 网络恢复 notice counting the replies sent at least
    `late` after they were queued (failed ones and those held behind them in order), when at least one of them
    had failed, since the last such notice (watermark in app_state)."""
    key = f"outbox:delayed:{chat_id}"[:64]
    with Session(engine) as session:
        waiting = select(OutboxMessage.id).where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
        if session.exec(waiting.limit(1)).first() is not None:
            return False
        mark = session.get(AppState, key)
        after = int(mark.value) if mark else 0
        sent = session.exec(
            select(OutboxMessage.id, OutboxMessage.created_at, OutboxMessage.sent_at, OutboxMessage.attempts).where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == "sent",
                OutboxMessage.id > after,
                sa.or_(OutboxMessage.ref.is_(None), OutboxMessage.ref != DELAY_NOTICE_REF),
            )
        ).all()
        late_rows = [(row_id, attempts) for row_id, created, sent_at, attempts in sent if sent_at - created >= late]
        if not any(attempts for _, attempts in late_rows):  # late for another reason (a pause), not a failure
            return False
        delayed = len(late_rows)
        last = max(row[0] for row in sent)
        notice = Outbound(chat_id=chat_id, text=say("sends_delayed", count=delayed), ref=DELAY_NOTICE_REF)
        enqueue(session, [notice], key=f"{key}:{last}")
        session.merge(AppState(key=key, value=str(last)))
        session.commit()
    log.info("chat %s told that %d message(s) were delivered late", chat_id, delayed)
    return True


def stuck(session: Session, *, now: datetime) -> dict[str, float | int]:
    """Sends that failed and still wait for a retry: how many, and how long the oldest has been waiting (s)."""
    count, oldest = session.exec(
        select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.attempts > 0
        )
    ).one()
    age = 0.0 if oldest is None else max(0.0, (now - as_utc(oldest)).total_seconds())
    return {"count": int(count), "oldest_seconds": round(age)}
