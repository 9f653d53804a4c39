"""POST /feishu/events with bodies signed and encrypted exactly as Feishu sends them."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from bot.core.db import make_engine
from bot.core.models import InboxEvent, OutboxMessage
from tests.fakes.feishu_webhook import (
    bot_added_event,
    card_action_event,
    encrypt_body,
    message_event,
    signed_headers,
    url_verification,
    webhook_request,
)
from tests.support import ENCRYPT_KEY, VERIFICATION_TOKEN, feishu_settings, serve, wait_until


@pytest.fixture
def app_url(db_url, fake_feishu):
    app = create_app(feishu_settings(db_url, fake_feishu))
    with serve(app) as url:
        yield url


def inbox_rows(db_url: str) -> list[InboxEvent]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = list(session.exec(select(InboxEvent).order_by(InboxEvent.id)))
    engine.dispose()
    return rows


def settled(db_url: str) -> bool:
    """Every stored event processed and every queued reply sent: nothing more can reach the fake."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        inbox = session.exec(select(InboxEvent.status)).all()
        outbox = session.exec(select(OutboxMessage.status)).all()
    engine.dispose()
    return bool(inbox) and set(inbox) == {"done"} and set(outbox) <= {"sent"}


def post_event(http, url: str, payload: dict, **header_overrides) -> object:
    body, headers = webhook_request(payload, ENCRYPT_KEY)
    headers.update(header_overrides)
    return http.post(f"{url}/feishu/events", content=body, headers=headers)


def help_event(event_id="ev_help_1", message_id="om_help_1", chat_id="oc_group"):
    return message_event(
        event_id=event_id, message_id=message_id, chat_id=chat_id, text="/help", token=VERIFICATION_TOKEN
    )


def test_duplicate_delivery_is_stored_and_processed_once(app_url, http, db_url, fake_feishu):
    for _ in range(3):
        response = post_event(http, app_url, help_event())
        assert response.status_code == 200, response.text
    assert wait_until(lambda: len(fake_feishu.sent_messages) >= 1 and settled(db_url))
    rows = inbox_rows(db_url)
    assert [(r.event_id, r.status) for r in rows] == [("ev_help_1", "done")]
    replies = [m for m in fake_feishu.sent_messages if m["reply_to"] == "om_help_1"]
    assert len(replies) == 1
    assert "/help" in replies[0]["content"]["text"]


def test_same_message_under_a_new_event_id_is_processed_once(app_url, http, db_url, fake_feishu):
    assert post_event(http, app_url, help_event(event_id="ev_a")).status_code == 200
    assert post_event(http, app_url, help_event(event_id="ev_b")).status_code == 200
    assert wait_until(lambda: len(fake_feishu.sent_messages) >= 1 and settled(db_url))
    assert [r.event_id for r in inbox_rows(db_url)] == ["ev_a"]
    assert len(fake_feishu.sent_messages) == 1


def test_bad_signature_is_rejected_and_nothing_stored(app_url, http, db_url):
    response = post_event(http, app_url, help_event(), **{"X-Lark-Signature": "0" * 64})
    assert response.status_code in (401, 403)
    assert inbox_rows(db_url) == []


def test_missing_signature_headers_are_rejected(app_url, http, db_url):
    body = encrypt_body(help_event(), ENCRYPT_KEY)
    response = http.post(f"{app_url}/feishu/events", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert inbox_rows(db_url) == []


def test_old_timestamp_is_rejected(app_url, http, db_url):
    body = encrypt_body(help_event(), ENCRYPT_KEY)
    headers = signed_headers(body, ENCRYPT_KEY, timestamp=str(int(time.time()) - 600))
    response = http.post(f"{app_url}/feishu/events", content=body, headers=headers)
    assert response.status_code == 401
    assert inbox_rows(db_url) == []


def test_garbage_json_is_400_and_nothing_stored(app_url, http, db_url):
    body = b"{not json"
    response = http.post(f"{app_url}/feishu/events", content=body, headers=signed_headers(body, ENCRYPT_KEY))
    assert response.status_code == 400
    assert inbox_rows(db_url) == []


def test_undecryptable_body_is_400(app_url, http, db_url):
    body = json.dumps({"encrypt": "bm90IGNpcGhlcnRleHQ="}).encode()
    response = http.post(f"{app_url}/feishu/events", content=body, headers=signed_headers(body, ENCRYPT_KEY))
    assert response.status_code == 400
    assert inbox_rows(db_url) == []


def test_wrong_verification_token_is_403(app_url, http, db_url):
    event = message_event(event_id="ev_x", message_id="om_x", chat_id="oc_group", text="hi", token="wrong")
    assert post_event(http, app_url, event).status_code == 403
    assert inbox_rows(db_url) == []


def test_oversized_body_is_rejected(app_url, http, db_url):
    event = message_event(
        event_id="ev_big", message_id="om_big", chat_id="oc_group", text="长" * 400_000, token=VERIFICATION_TOKEN
    )
    assert post_event(http, app_url, event).status_code == 413
    assert inbox_rows(db_url) == []


@pytest.mark.parametrize("encrypted", [False, True])
def test_url_verification_answers_the_challenge(app_url, http, db_url, encrypted):
    payload = url_verification("challenge-123", VERIFICATION_TOKEN)
    body = encrypt_body(payload, ENCRYPT_KEY) if encrypted else json.dumps(payload).encode()
    response = http.post(f"{app_url}/feishu/events", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"challenge": "challenge-123"}
    assert inbox_rows(db_url) == []


def test_url_verification_with_wrong_token_is_refused(app_url, http):
    body = json.dumps(url_verification("c", "not-the-token")).encode()
    response = http.post(f"{app_url}/feishu/events", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 403


def test_unknown_event_type_is_acknowledged_and_ignored(app_url, http, db_url):
    event = help_event()
    event["header"]["event_type"] = "contact.user.created_v3"
    response = post_event(http, app_url, event)
    assert response.status_code == 200
    assert inbox_rows(db_url) == []


def test_subscribed_but_unhandled_event_is_stored_and_done_without_reply(app_url, http, db_url, fake_feishu):
    event = help_event(event_id="ev_read")
    event["header"]["event_type"] = "im.message.message_read_v1"
    event["event"] = {"reader": {"reader_id": {"open_id": "ou_1"}}, "message_id_list": ["om_1"]}
    assert post_event(http, app_url, event).status_code == 200
    assert wait_until(lambda: [r.status for r in inbox_rows(db_url)] == ["done"])
    assert fake_feishu.sent_messages == []


def test_bot_added_greets_the_group(app_url, http, fake_feishu):
    event = bot_added_event(event_id="ev_added", chat_id="oc_new", token=VERIFICATION_TOKEN)
    assert post_event(http, app_url, event).status_code == 200
    assert wait_until(lambda: len(fake_feishu.sent_messages) == 1)
    sent = fake_feishu.sent_messages[0]
    assert sent["chat_id"] == "oc_new"
    assert sent["msg_type"] == "interactive"
    card = sent["content"]
    assert card["schema"] == "2.0"
    assert "/帮助" in json.dumps(card, ensure_ascii=False)


def test_card_callback_answers_a_toast_at_once_and_acts_after(app_url, http, db_url, fake_feishu):
    event = card_action_event(
        event_id="ev_card_1",
        open_id="ou_1",
        chat_id="oc_group",
        message_id="om_card",
        value={"action": "retired_button"},
        token=VERIFICATION_TOKEN,
    )
    started = time.monotonic()
    response = post_event(http, app_url, event)
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert response.json()["toast"]["content"] == "已收到，正在处理"
    assert wait_until(lambda: len(fake_feishu.sent_messages) == 1)
    assert fake_feishu.sent_messages[0]["chat_id"] == "oc_group"
    assert [r.event_type for r in inbox_rows(db_url)] == ["card.action.trigger"]
