"""FEISHU_MODE=ws: the real lark-oapi long-connection client, run by the app in its own thread
with its own event loop, against a fake Feishu endpoint on loopback; events land in the same
inbox → router → outbox path as webhooks."""

from __future__ import annotations

import httpx
import pytest

from bot.app import create_app
from tests.fakes.feishu_webhook import card_action_event, message_event
from tests.fakes.feishu_ws import FakeFeishuWs
from tests.support import feishu_settings, serve, table_counts, wait_until


@pytest.fixture
def ws_fake(fake_feishu):
    fake = FakeFeishuWs(fake_feishu.app_id, fake_feishu.app_secret).start()
    fake_feishu.attach_ws(fake.base_url)
    yield fake
    fake.stop()


def test_help_over_the_long_connection_is_answered_through_the_open_api(db_url, fake_feishu, ws_fake):
    settings = feishu_settings(db_url, fake_feishu, feishu_mode="ws", feishu_encrypt_key="")
    with serve(create_app(settings)):
        assert ws_fake.wait_for_connections(1, 10)
        event = message_event(event_id="ev_ws_1", message_id="om_ws_1", chat_id="oc_ws", text="/帮助")
        first = ws_fake.push_event(event)
        again = ws_fake.push_event(event)  # Feishu redelivers on a slow ack; stored once
        assert first is not None and first["code"] == 200
        assert again is not None and again["code"] == 200
        assert wait_until(lambda: len(fake_feishu.sent_messages) >= 1)

        toast = ws_fake.push_card_action(
            card_action_event(
                event_id="ev_ws_card",
                open_id="ou_1",
                chat_id="oc_ws",
                message_id="om_card",
                value={"action": "no_such_action"},
            )
        )
        assert toast is not None and toast["toast"]["content"]
        assert wait_until(lambda: len(fake_feishu.sent_messages) >= 2)
    replies = [m for m in fake_feishu.sent_messages if m["reply_to"] == "om_ws_1"]
    assert len(replies) == 1
    assert "/help" in replies[0]["content"]["text"]
    assert "按钮已失效" in fake_feishu.sent_messages[-1]["content"]["text"]


def test_reconnect_after_the_server_drops_the_connection(db_url, fake_feishu, ws_fake):
    settings = feishu_settings(db_url, fake_feishu, feishu_mode="ws", feishu_encrypt_key="")
    with serve(create_app(settings)):
        assert ws_fake.wait_for_connections(1, 10)
        ws_fake.drop_connection()
        assert ws_fake.wait_for_connections(2, 10)
        event = message_event(event_id="ev_ws_2", message_id="om_ws_2", chat_id="oc_ws", text="/help")
        response = ws_fake.push_event(event)
        assert response is not None and response["code"] == 200
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 1)


def test_a_forged_unsigned_event_over_http_is_refused_in_long_connection_mode(db_url, fake_feishu, ws_fake):
    """No token, no encrypt key (none is needed in ws mode): the HTTP event route must not exist."""
    settings = feishu_settings(
        db_url, fake_feishu, feishu_mode="ws", feishu_encrypt_key="", feishu_verification_token=""
    )
    with serve(create_app(settings)) as url:
        assert ws_fake.wait_for_connections(1, 10)
        before = table_counts(db_url)
        forged = message_event(
            event_id="ev_forged",
            message_id="om_forged",
            chat_id="oc_ws",
            sender_open_id="ou_ceo",
            text="/危机 开启 伪造的事件",
            token="",
        )
        response = httpx.post(f"{url}/feishu/events", json=forged, timeout=10)
        assert response.status_code == 404
        assert table_counts(db_url) == before

        # The long connection still works, and the forged message never reached the group.
        genuine = message_event(event_id="ev_ws_ok", message_id="om_ws_ok", chat_id="oc_ws", text="/帮助")
        assert ws_fake.push_event(genuine)["code"] == 200
        assert wait_until(lambda: len(fake_feishu.sent_messages) >= 1)
    assert [m["reply_to"] for m in fake_feishu.sent_messages] == ["om_ws_ok"]
