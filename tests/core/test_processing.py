"""Exactly-once processing over a real database: failures are recorded and retried a bounded
number of times; they hold the later events of their own chat (in order) and never those of other chats."""

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

    @group.command("flaky", usage="/flaky", summary="fails the first time")
    def flaky(request):
        calls.append("flaky")
        if calls.count("flaky") == 1:
            raise RuntimeError("database hiccup")
        return "补上了"

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


def test_failing_event_is_retried_bounded_and_does_not_block_other_chats(db_url):
    calls: list[str] = []
    chat = build(db_url, calls, inbox_max_attempts=3)
    chat.post("/boom")
    chat.post("/ok", chat_id="oc_2")
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


def test_a_failed_event_holds_the_later_events_of_its_chat_until_it_succeeds(db_url):
    calls: list[str] = []
    chat = build(db_url, calls)
    chat.post("/flaky")  # oc_1, fails once
    chat.post("/ok")  # oc_1, after it: must wait
    chat.post("/ok", chat_id="oc_2")  # another chat: goes on
    chat.processor.process_due()
    assert calls == ["flaky", "om3"]
    assert [r.status for r in rows(chat)] == ["pending", "pending", "done"]
    chat.processor.process_due()  # the failed one is not due yet, so neither is the one behind it
    assert calls == ["flaky", "om3"]
    chat.clock.advance(seconds=3)
    chat.processor.process_due()
    assert calls == ["flaky", "om3", "flaky", "om2"]
    assert [r.status for r in rows(chat)] == ["done", "done", "done"]
    assert chat.texts() == ["收到", "补上了", "收到"]


def test_a_dead_event_releases_the_later_events_of_its_chat(db_url):
    calls: list[str] = []
    chat = build(db_url, calls, inbox_max_attempts=2)
    chat.post("/boom")
    chat.post("/ok")
    chat.processor.process_due()
    assert calls == ["boom"]
    chat.clock.advance(seconds=5)
    chat.processor.process_due()  # the second failure makes it dead: the chat goes on
    assert calls == ["boom", "boom", "om2"]
    assert [r.status for r in rows(chat)] == ["dead", "done"]
    texts = chat.texts()
    assert "ev1" in texts[0] and texts[1] == "收到"


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
