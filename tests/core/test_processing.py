"""Exactly-once processing over a real database: failures are recorded and retried a bounded
number of times, and never block the events behind them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.core import db, inbox
from bot.core.inbox import EventKeys
from bot.core.models import InboxEvent, OutboxMessage
from bot.core.processing import Processor
from bot.core.router import Commands, Router
from bot.sandbox import events as sandbox_events
from tests.support import make_settings


class Clock:
    """A controllable clock that starts a little ahead, so freshly stored events are due."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=5)

    def __call__(self):
        return self.now


def build(db_url, calls: list[str], *, max_attempts: int = 3):
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    group = Commands()

    @group.command("boom", usage="/boom", summary="always fails")
    def boom(request):
        calls.append("boom")
        raise RuntimeError("handler exploded")

    @group.command("ok", usage="/ok", summary="answers")
    def ok(request):
        calls.append(request.message.message_id)
        return "收到"

    clock = Clock()
    settings = make_settings(db_url, inbox_max_attempts=max_attempts)
    processor = Processor(
        engine, settings, Router(group), {"sandbox": sandbox_events.to_event}, now_fn=clock, wall_fn=clock
    )
    return engine, processor, clock


def post(engine, n: int, text: str) -> None:
    payload = {
        "type": "message",
        "event_id": f"ev{n}",
        "message_id": f"om{n}",
        "chat_id": "oc_1",
        "sender_id": "ou_1",
        "text": text,
        "create_time_ms": 1_700_000_000_000 + n,
    }
    assert inbox.record(engine, source="sandbox", keys=sandbox_events.keys(payload), payload=payload)


def rows(engine) -> list[InboxEvent]:
    with Session(engine) as session:
        return list(session.exec(select(InboxEvent).order_by(InboxEvent.id)))


def replies(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_failing_event_is_retried_bounded_and_does_not_block_later_ones(db_url):
    calls: list[str] = []
    engine, processor, clock = build(db_url, calls, max_attempts=3)
    post(engine, 1, "/boom")
    post(engine, 2, "/ok")
    processor.process_due()
    first, second = rows(engine)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "handler exploded" in first.last_error
    assert second.status == "done"
    assert calls == ["boom", "om2"]

    processor.process_due()  # not due yet: backoff
    assert calls == ["boom", "om2"]
    for _ in range(5):
        clock.now += timedelta(minutes=20)
        processor.process_due()
    first = rows(engine)[0]
    assert (first.status, first.attempts) == ("dead", 3)
    assert calls.count("boom") == 3
    texts = [r.payload for r in replies(engine)]
    assert len(texts) == 2  # the answer to /ok and one notice that the event could not be handled
    assert "ev1" in texts[1]


def test_work_done_by_a_failed_attempt_is_rolled_back(db_url):
    calls: list[str] = []
    engine, processor, _ = build(db_url, calls)
    post(engine, 1, "/boom")
    processor.process_due()
    assert replies(engine) == []


def test_duplicate_keys_are_refused_by_record(db_url):
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    keys = EventKeys(event_id="e1", event_type="t", message_id="m1", chat_id="c")
    assert inbox.record(engine, source="sandbox", keys=keys, payload={})
    assert not inbox.record(engine, source="sandbox", keys=keys, payload={})
    assert not inbox.record(engine, source="sandbox", keys=EventKeys("e2", "t", "m1", "c"), payload={})
    assert inbox.record(engine, source="sandbox", keys=EventKeys("e3", "t", None, "c"), payload={})
    assert inbox.record(engine, source="sandbox", keys=EventKeys("e4", "t", None, "c"), payload={})


def test_messages_from_chats_outside_the_allow_list_are_ignored(db_url):
    calls: list[str] = []
    engine, processor, _ = build(db_url, calls)
    processor.settings = make_settings(db_url, allowed_chat_ids="oc_other")
    post(engine, 1, "/ok")
    processor.process_due()
    assert rows(engine)[0].status == "done"
    assert calls == []
    assert replies(engine) == []


def test_stored_times_come_back_utc_aware(db_url):
    calls: list[str] = []
    engine, processor, _ = build(db_url, calls)
    post(engine, 1, "/ok")
    row = rows(engine)[0]
    assert row.received_at.utcoffset() == timedelta(0)
