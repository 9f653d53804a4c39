"""The fake long-connection endpoint drives the real ``lark_oapi.ws.Client`` the way the bot runs it.

How lark's ws client must be run (lark-oapi 1.7.5):

* ``lark_oapi.ws.client.loop`` is a module global captured at import; every coroutine of the client
  looks it up at call time. Give the client its own thread, create a new loop there, assign it to
  that global (and make it the thread's current loop) *before* constructing the client, so the
  client's ``ExpiringCache`` cron lands on that loop too. Then ``client.start()`` blocks forever.
  One running client per process: starting a second one re-points the global under the first.
* Handlers run synchronously on that thread, inside the client's event loop.
* There is no ``stop()``. :meth:`bot.feishu.ws.LongConnection.stop` is the clean way: turn off auto-reconnect, cancel
  the client's tasks, close the socket, then cancel the ``_select`` task ``start()`` is blocked on,
  so ``start()`` raises ``CancelledError`` and the thread ends.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import lark_oapi as lark
import pytest
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)
from lark_oapi.ws.exception import ClientException

from bot.feishu.ws import LongConnection
from tests.fakes.feishu_webhook import card_action_event, message_event
from tests.fakes.feishu_ws import FakeFeishuWs

WAIT = 5.0


@dataclass
class Bot:
    fake: FakeFeishuWs
    runner: LongConnection
    messages: queue.Queue = field(default_factory=queue.Queue)  # (event, thread name)
    cards: queue.Queue = field(default_factory=queue.Queue)
    reconnecting: threading.Event = field(default_factory=threading.Event)
    reconnected: threading.Event = field(default_factory=threading.Event)


def _handler(bot_messages: queue.Queue, bot_cards: queue.Queue) -> lark.EventDispatcherHandler:
    def on_message(event: Any) -> None:
        bot_messages.put((event, threading.current_thread().name))

    def on_card(event: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        bot_cards.put(event)
        return P2CardActionTriggerResponse({"toast": {"type": "success", "content": "已记录"}})

    def on_bot_added(event: Any) -> None:
        raise RuntimeError("handler bug")

    return (
        lark.EventDispatcherHandler.builder("", "")
        .register_p2_customized_event("im.message.receive_v1", on_message)
        .register_p2_customized_event("im.chat.member.bot.added_v1", on_bot_added)
        .register_p2_card_action_trigger(on_card)
        .build()
    )


@pytest.fixture
def fake() -> Iterator[FakeFeishuWs]:
    with FakeFeishuWs() as f:
        yield f


@pytest.fixture
def bot(fake: FakeFeishuWs) -> Iterator[Bot]:
    messages: queue.Queue = queue.Queue()
    cards: queue.Queue = queue.Queue()
    reconnecting, reconnected = threading.Event(), threading.Event()

    def make_client() -> lark.ws.Client:
        client = lark.ws.Client(
            fake.app_id,
            fake.app_secret,
            event_handler=_handler(messages, cards),
            domain=fake.base_url,
            log_level=lark.LogLevel.INFO,
        )
        client.on_reconnecting = reconnecting.set
        client.on_reconnected = reconnected.set
        return client

    runner = LongConnection(make_client).start()
    try:
        assert fake.wait_for_connections(1, WAIT), runner.error
        yield Bot(fake, runner, messages, cards, reconnecting, reconnected)
    finally:
        runner.stop()


def _message(n: int) -> dict[str, Any]:
    return message_event(event_id=f"ev_{n}", message_id=f"om_{n}", chat_id="oc_1", text=f"消息{n}")


def test_message_event_reaches_handler_on_client_thread_and_is_acked_200(bot: Bot) -> None:
    resp = bot.fake.push_event(_message(1))

    assert resp is not None and resp["code"] == 200
    assert "data" not in resp  # event handlers return nothing
    event, thread_name = bot.messages.get(timeout=WAIT)
    assert thread_name == "feishu-ws"
    assert event.header.event_id == "ev_1"
    assert event.header.event_type == "im.message.receive_v1"
    assert event.event["message"]["message_id"] == "om_1"  # customized events carry a plain dict


def test_response_frame_echoes_the_message_id_and_reports_handler_time(bot: Bot) -> None:
    frame = bot.fake.push_event_frame(_message(2))

    assert frame is not None
    headers = {h.key: h.value for h in frame.headers}
    assert headers["type"] == "event" and headers["message_id"].startswith("msg_")
    assert int(headers["biz_rt"]) >= 0


def test_card_action_returns_the_toast(bot: Bot) -> None:
    payload = card_action_event(
        event_id="ev_card", open_id="ou_a", chat_id="oc_1", message_id="om_card", value={"cmd": "ack"}
    )

    result = bot.fake.push_card_action(payload)

    assert result == {"toast": {"type": "success", "content": "已记录"}}
    event = bot.cards.get(timeout=WAIT)
    assert event.event.action.value == {"cmd": "ack"}
    assert event.event.operator.open_id == "ou_a"
    assert event.event.context.open_chat_id == "oc_1"


def test_failing_or_unregistered_handler_answers_500(bot: Bot) -> None:
    added = {
        "schema": "2.0",
        "header": {"event_id": "ev_added", "event_type": "im.chat.member.bot.added_v1"},
        "event": {"chat_id": "oc_1"},
    }
    unknown = {
        "schema": "2.0",
        "header": {"event_id": "ev_unknown", "event_type": "im.message.reaction.created_v1"},
        "event": {},
    }

    assert bot.fake.push_event(added) == {"code": 500}
    assert bot.fake.push_event(unknown) == {"code": 500}


def test_client_pings_and_the_fake_pongs(bot: Bot) -> None:
    assert bot.fake.wait_for(lambda: bot.fake.pings >= 2, WAIT)  # PingInterval=1 from ClientConfig


@pytest.mark.parametrize("abrupt", [False, True], ids=["close", "abort"])
def test_server_drop_makes_the_client_rediscover_reconnect_and_keep_receiving(
    bot: Bot, abrupt: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="Lark")
    assert bot.fake.push_event(_message(1))["code"] == 200
    bot.messages.get(timeout=WAIT)

    assert bot.fake.drop_connection(abrupt=abrupt)

    assert bot.reconnecting.wait(WAIT)
    assert bot.reconnected.wait(WAIT)
    assert bot.fake.wait_for_connections(2, WAIT)
    assert len(bot.fake.discovery_requests) == 2  # endpoint discovery is repeated on reconnect
    resp = bot.fake.push_event(_message(3))
    assert resp is not None and resp["code"] == 200
    event, _ = bot.messages.get(timeout=WAIT)
    assert event.header.event_id == "ev_3"
    logs = [r.getMessage() for r in caplog.records if r.name == "Lark"]
    assert any(m.startswith("receive message loop exit") for m in logs), logs
    assert any(m.startswith("trying to reconnect for the 1st time") for m in logs), logs
    assert sum(m.startswith("connected to ws://127.0.0.1") for m in logs) >= 1, logs


def test_stopping_the_client_closes_its_connection(fake: FakeFeishuWs) -> None:
    messages: queue.Queue = queue.Queue()
    runner = LongConnection(
        lambda: lark.ws.Client(
            fake.app_id,
            fake.app_secret,
            event_handler=_handler(messages, queue.Queue()),
            domain=fake.base_url,
        )
    ).start()
    assert fake.wait_for_connections(1, WAIT)

    runner.stop()

    assert fake.wait_for(lambda: not fake.connected, WAIT)
    assert fake.connections == 1  # no reconnect after a deliberate stop
    assert runner.error is None


def test_wrong_app_secret_makes_start_raise_client_exception(fake: FakeFeishuWs) -> None:
    runner = LongConnection(
        lambda: lark.ws.Client(
            fake.app_id, "wrong", event_handler=_handler(queue.Queue(), queue.Queue()), domain=fake.base_url
        )
    ).start()
    runner.thread.join(WAIT)

    assert not runner.thread.is_alive()
    assert isinstance(runner.error, ClientException)
    assert fake.connections == 0
