"""A Feishu outage of hours: replies keep being retried (capped backoff) for OUTBOX_RETRY_HOURS, /healthz names the
stuck sends and answers 503, and once sends go through each chat hears once how many replies came late."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.core import db, health, outbox
from bot.core.messages import Outbound
from bot.core.models import OutboxMessage
from bot.core.runtime import Runtime
from bot.feishu.client import FeishuMessenger, build_client
from handlers import build_router
from tests.support import Clock, feishu_settings, wait_until


def make_runtime(db_url, fake, clock: Clock, **overrides) -> Runtime:
    settings = feishu_settings(db_url, fake, **overrides)
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    messenger = FeishuMessenger(build_client(settings), settings.feishu_app_id)
    return Runtime(
        settings=settings, engine=engine, router=build_router(), adapters={}, messenger=messenger, wall_fn=clock
    )


def rows(runtime: Runtime) -> list[OutboxMessage]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(runtime: Runtime, *messages: Outbound) -> None:
    with Session(runtime.engine) as session:
        outbox.enqueue(session, list(messages))
        session.commit()
    runtime.outbox_worker.wake()


def retry_round(runtime: Runtime, clock: Clock, minutes: float) -> None:
    """Let the wall clock pass and wait for the next attempt at the first message."""
    before = rows(runtime)[0].attempts
    clock.advance(minutes=minutes)
    runtime.outbox_worker.wake()
    assert wait_until(lambda: rows(runtime)[0].attempts > before, timeout=20)


def test_replies_outlive_a_seven_hour_outage_and_the_group_is_told_once(db_url, fake_feishu):
    clock = Clock(utcnow() + timedelta(seconds=5))  # ahead of the wall: freshly queued rows are due
    runtime = make_runtime(
        db_url, fake_feishu, clock, outbox_retry_hours=8, outbox_retry_cap_seconds=1800, health_stuck_send_seconds=600
    )
    fake_feishu.fail_next(100_000, status=503)
    queue(
        runtime,
        Outbound(chat_id="oc_1", text="一"),
        Outbound(chat_id="oc_1", text="二"),
        Outbound(chat_id="oc_2", text="甲"),
        Outbound(chat_id="oc_1", text="三"),
    )
    runtime.start()
    try:
        assert wait_until(lambda: rows(runtime)[0].attempts >= 1, timeout=20)
        for _ in range(15):  # 7.5 hours of a Feishu that answers 503
            retry_round(runtime, clock, minutes=30)
        assert [r.status for r in rows(runtime)] == ["pending"] * 4
        assert rows(runtime)[0].attempts > 12  # well past the old limit of twelve attempts
        # The backoff is capped: the next attempt is at most 30 minutes away.
        assert rows(runtime)[0].next_attempt_at - clock() <= timedelta(minutes=30)

        found = health.check(runtime.engine, runtime.settings, mode="webhook", now=clock())
        assert not found.ok
        assert found.body["outbox_stuck"]["count"] == 2  # the first message of each chat has failed
        assert found.body["outbox_stuck"]["oldest_seconds"] >= 7 * 3600
        assert any("send(s) failing" in reason for reason in found.body["reasons"])
        assert {"status", "mode", "inbox", "outbox_pending"} <= found.body.keys()
        assert fake_feishu.sent_messages == []

        fake_feishu.recover()
        clock.advance(minutes=31)
        runtime.outbox_worker.wake()
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 6, timeout=20)
        assert wait_until(lambda: all(r.status == "sent" for r in rows(runtime)), timeout=20)
    finally:
        runtime.stop()
    by_chat: dict[str, list[str]] = {}
    for message in fake_feishu.sent_messages:
        by_chat.setdefault(message["chat_id"], []).append(message["content"]["text"])
    assert by_chat["oc_1"][:3] == ["一", "二", "三"]
    assert by_chat["oc_1"][3].startswith("网络恢复：3 条消息延迟送达")
    assert by_chat["oc_2"][0] == "甲"
    assert by_chat["oc_2"][1].startswith("网络恢复：1 条消息延迟送达")
    assert health.check(runtime.engine, runtime.settings, mode="webhook", now=clock()).ok


def test_a_reply_is_given_up_only_after_the_retry_horizon(db_url, fake_feishu):
    clock = Clock(utcnow() + timedelta(seconds=5))  # ahead of the wall: freshly queued rows are due
    runtime = make_runtime(db_url, fake_feishu, clock, outbox_retry_hours=1, outbox_retry_cap_seconds=1800)
    fake_feishu.fail_next(100_000, status=500)
    queue(runtime, Outbound(chat_id="oc_1", text="一"))
    runtime.start()
    try:
        assert wait_until(lambda: rows(runtime)[0].attempts >= 1, timeout=20)
        retry_round(runtime, clock, minutes=31)
        assert rows(runtime)[0].status == "pending"
        retry_round(runtime, clock, minutes=31)  # now queued more than an hour ago
        assert rows(runtime)[0].status == "dead"
    finally:
        runtime.stop()
