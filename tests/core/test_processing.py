"""Exactly-once processing over a real database: failures are recorded and retried a bounded
number of times, and never block the events behind them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.core import db, inbox
from bot.core.inbox import EventKeys
from bot.core.models import InboxEvent
from bot.core.router import Commands, Router
from tests.chat import SandboxChat
from tests.support import Clock


def build(db_url, calls: list[str], **settings) -> SandboxChat:
    """A chat whose router knows `/boom` (always fails) and `/ok`; its clock, a little ahead of the wall so that
    freshly stored events are due, is also the processor's wall clock (retry backoff)."""
    group = Commands()

    @group.command("boom", usage="/boom", summary="always fails")
    def boom(request):
        calls.append("boom")
        raise RuntimeError("handler exploded")

    @group.command("ok", usage="/ok", summary="answers")
    def ok(request):
        calls.append(request.message.message_id)
        return "收到"

    chat = SandboxChat(db_url, clock=Clock(utcnow() + timedelta(seconds=5)), router=Router(group), **settings)
    chat.processor.wall_fn = chat.clock
    return chat


def rows(chat: SandboxChat) -> list[InboxEvent]:
    with Session(chat.engine) as session:
        return list(session.exec(select(InboxEvent).order_by(InboxEvent.id)))


def test_failing_event_is_retried_bounded_and_does_not_block_later_ones(db_url):
    calls: list[str] = []
    chat = build(db_url, calls, inbox_max_attempts=3)
    chat.post("/boom")
    chat.post("/ok")
    chat.processor.process_due()
    first, second = rows(chat)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "handler exploded" in first.last_error
    assert second.status == "done"
    assert calls == ["boom", "om2"]

    chat.processor.process_due()  # not due yet: backoff
    assert calls == ["boom", "om2"]
    for _ in range(5):
        chat.clock.advance(minutes=20)
        chat.processor.process_due()
    first = rows(chat)[0]
    assert (first.status, first.attempts) == ("dead", 3)
    assert calls.count("boom") == 3
    texts = chat.texts()
    assert len(texts) == 2  # the answer to /ok and one notice that the event could not be handled
    assert texts[0] == "收到" and "ev1" in texts[1]


def test_work_done_by_a_failed_attempt_is_rolled_back(db_url):
    chat = build(db_url, [])
    chat.say("/boom")
    assert chat.sent() == []


def test_duplicate_keys_are_refused_by_record(db_url):
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    keys = EventKeys(event_id="e1", event_type="t", message_id="m1", chat_id="c")
    assert inbox.record(engine, source="sandbox", keys=keys, payload={})
    assert not inbox.record(engine, source="sandbox", keys=keys, payload={})
    assert not inbox.record(engine, source="sandbox", keys=EventKeys("e2", "t", "m1", "c"), payload={})
    assert inbox.record(engine, source="sandbox", keys=EventKeys("e3", "t", None, "c"), payload={})
    assert inbox.record(engine, source="sandbox", keys=EventKeys("e4", "t", None, "c"), payload={})
    engine.dispose()


def test_messages_from_chats_outside_the_allow_list_are_ignored(db_url):
    calls: list[str] = []
    chat = build(db_url, calls, allowed_chat_ids="oc_other")
    assert chat.say("/ok") == []
    assert rows(chat)[0].status == "done"
    assert calls == []


def test_stored_times_come_back_utc_aware(db_url):
    chat = build(db_url, [])
    chat.post("/ok")
    assert rows(chat)[0].received_at.utcoffset() == timedelta(0)
