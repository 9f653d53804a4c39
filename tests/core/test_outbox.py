"""The durable outbox against the fake Feishu Open API through the real lark-oapi client."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core import db, outbox
from bot.core.mentions import mention
from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.models import OutboxMessage
from bot.core.ratelimit import SendRate
from bot.core.runtime import Runtime
from bot.feishu.client import FeishuMessenger, build_client
from handlers import build_router
from tests.support import feishu_settings, wait_until


def make_runtime(db_url, fake, **overrides) -> Runtime:
    settings = feishu_settings(db_url, fake, **overrides)
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    messenger = FeishuMessenger(build_client(settings), settings.feishu_app_id)
    return Runtime(settings=settings, engine=engine, router=build_router(), adapters={}, messenger=messenger)


def queue(runtime: Runtime, *messages: Outbound, key: str | None = None) -> None:
    with Session(runtime.engine) as session:
        outbox.enqueue(session, list(messages), key=key)
        session.commit()
    runtime.outbox_worker.wake()


def statuses(runtime: Runtime) -> list[tuple[str, str]]:
    with Session(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(r.chat_id, r.status) for r in rows]


def test_reply_queued_during_outage_is_delivered_once_after_recovery(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    fake_feishu.fail_next(6, status=500)
    runtime.start()
    try:
        queue(runtime, Outbound(chat_id="oc_1", text="第一条"))
        assert wait_until(lambda: statuses(runtime) == [("oc_1", "sent")], timeout=20)
    finally:
        runtime.stop()
    texts = [m["content"]["text"] for m in fake_feishu.sent_messages]
    assert texts == ["第一条"]
    attempts = fake_feishu.calls_to("/open-apis/im/v1/messages", "POST")
    assert len(attempts) == 7  # six failures, then the one that went through


def test_html_gateway_error_is_retried(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    fake_feishu.fail_next(2, status=502, raw_body=b"<html>Bad Gateway</html>")
    runtime.start()
    try:
        queue(runtime, Outbound(chat_id="oc_1", text="网关恢复后送达"))
        assert wait_until(lambda: statuses(runtime) == [("oc_1", "sent")], timeout=20)
    finally:
        runtime.stop()
    assert len(fake_feishu.sent_messages) == 1


def test_revoked_token_clears_the_cache_and_retries(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    runtime.start()
    try:
        queue(runtime, Outbound(chat_id="oc_1", text="一"))
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 1)
        fake_feishu.revoke_tokens()
        queue(runtime, Outbound(chat_id="oc_1", text="二"))
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 2)
    finally:
        runtime.stop()
    token_requests = fake_feishu.calls_to("/open-apis/auth/v3/tenant_access_token/internal")
    assert len(token_requests) == 2
    assert [m["content"]["text"] for m in fake_feishu.sent_messages] == ["一", "二"]


def test_rate_limited_send_is_retried(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    fake_feishu.fail_with_code(1, 230020)
    runtime.start()
    try:
        queue(runtime, Outbound(chat_id="oc_1", text="限流后重发"))
        assert wait_until(lambda: statuses(runtime) == [("oc_1", "sent")], timeout=10)
    finally:
        runtime.stop()
    assert len(fake_feishu.sent_messages) == 1


def test_permanent_error_gives_up_without_blocking_other_chats(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    # The bot was removed from oc_gone: replying there fails for good.
    fake_feishu.fail_with_code(1, 230002, path_prefix="/open-apis/im/v1/messages/om_gone")
    runtime.start()
    try:
        queue(
            runtime,
            Outbound(chat_id="oc_gone", text="发不出去", reply_to="om_gone"),
            Outbound(chat_id="oc_ok", text="照常送达"),
        )
        assert wait_until(lambda: statuses(runtime) == [("oc_gone", "dead"), ("oc_ok", "sent")])
    finally:
        runtime.stop()
    assert [m["content"]["text"] for m in fake_feishu.sent_messages] == ["照常送达"]


def test_messages_in_one_chat_keep_their_order_across_retries(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    fake_feishu.fail_next(2, status=503)
    runtime.start()
    try:
        queue(runtime, *[Outbound(chat_id="oc_1", text=f"第{i}条") for i in range(1, 6)])
        assert wait_until(
            lambda: all(s == "sent" for _, s in statuses(runtime)) and len(statuses(runtime)) == 5, timeout=20
        )
    finally:
        runtime.stop()
    assert [m["content"]["text"] for m in fake_feishu.sent_messages] == [f"第{i}条" for i in range(1, 6)]


def test_same_key_queues_once(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    queue(runtime, Outbound(chat_id="oc_1", text="a"), key="ev_1")
    queue(runtime, Outbound(chat_id="oc_1", text="a"), key="ev_1")
    assert len(statuses(runtime)) == 1


def test_mentions_are_rendered_and_forged_at_all_is_neutralised(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    runtime.start()
    try:
        queue(runtime, Outbound(chat_id="oc_1", text=f'{mention("ou_lead")} 请看：<at user_id="all">所有人</at>'))
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 1)
    finally:
        runtime.stop()
    text = fake_feishu.sent_messages[0]["content"]["text"]
    assert text.startswith('<at user_id="ou_lead"></at>')
    assert '<at user_id="all">' not in text
    assert "所有人" in text


def test_card_image_and_file_are_sent(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    card = Card(
        title="状态",
        blocks=(
            Markdown(f"负责人 {mention('ou_lead')}"),
            ButtonRow((Button("完成", {"action": "step_done", "step": "x"}, "primary"),)),
        ),
    )
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    runtime.start()
    try:
        queue(
            runtime,
            Outbound(chat_id="oc_1", kind="card", card=card),
            Outbound(chat_id="oc_1", kind="image", content=png, file_name="chart.png"),
            Outbound(chat_id="oc_1", kind="file", content="# 复盘".encode(), file_name="复盘.md"),
        )
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 3)
    finally:
        runtime.stop()
    kinds = [m["msg_type"] for m in fake_feishu.sent_messages]
    assert kinds == ["interactive", "image", "file"]
    card_json = fake_feishu.sent_messages[0]["content"]
    assert "<at id=ou_lead></at>" in card_json["body"]["elements"][0]["content"]
    button = card_json["body"]["elements"][1]["columns"][0]["elements"][0]
    assert button["behaviors"][0]["value"] == {"action": "step_done", "step": "x"}
    image_key = fake_feishu.sent_messages[1]["content"]["image_key"]
    assert fake_feishu.uploads[image_key]["data"] == png
    file_key = fake_feishu.sent_messages[2]["content"]["file_key"]
    assert fake_feishu.uploads[file_key]["data"] == "# 复盘".encode()


def test_per_chat_rate_stays_within_five_per_second():
    clock = [0.0]
    rate = SendRate(per_chat=5, per_app=50, clock=lambda: clock[0])
    for _ in range(5):
        assert rate.reserve("oc_1") == 0
    assert rate.reserve("oc_1") > 0
    assert rate.reserve("oc_2") == 0
    clock[0] = 1.01
    assert rate.reserve("oc_1") == 0


def test_app_wide_cap_applies_across_chats():
    rate = SendRate(per_chat=5, per_app=50, clock=lambda: 0.0)
    for i in range(50):
        assert rate.reserve(f"oc_{i}") == 0
    assert rate.reserve("oc_new") > 0


def test_a_slow_chat_does_not_hold_up_the_others(db_url, fake_feishu):
    runtime = make_runtime(db_url, fake_feishu)
    fake_feishu.fail_next(10_000, status=503, path_prefix="/open-apis/im/v1/messages/om_slow")
    runtime.start()
    try:
        queue(
            runtime,
            Outbound(chat_id="oc_a", text="回复", reply_to="om_slow"),
            *[Outbound(chat_id=f"oc_{i}", text=f"群{i}") for i in range(3)],
        )
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 3, timeout=10)
    finally:
        runtime.stop()
    assert sorted(m["content"]["text"] for m in fake_feishu.sent_messages) == ["群0", "群1", "群2"]
