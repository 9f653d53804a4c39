"""Issue 15, items 5 and 8: a user's typo is a usage reply, never a retry; malformed message contents are read
as far as they go; malformed webhook bodies are a 400, not a 500."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlmodel import Session, select

from bot.core.models import InboxEvent
from tests.fakes.feishu_webhook import encrypt_body, message_event, signed_headers
from tests.feishu_group import FeishuGroup
from tests.support import ENCRYPT_KEY, T0, VERIFICATION_TOKEN, Clock, serve, wait_until

CHAT = "oc_hardening_input"
FAILED = "处理出错"


def inbox_rows(engine) -> list[InboxEvent]:
    with Session(engine) as session:
        return list(session.exec(select(InboxEvent).order_by(InboxEvent.id)))


@pytest.mark.parametrize("number", ["²", "99999999999999999999999", "３", "0"])
def test_a_typo_in_an_action_number_is_answered_once_and_never_retried(chat, number):
    chat.say("/危机 开启 面霜过敏")
    [reply] = chat.say(f"/改进 完成 {number}", minutes=5)
    assert number in reply.text and FAILED not in reply.text
    last = inbox_rows(chat.engine)[-1]
    assert (last.status, last.attempts) == ("done", 0)


def test_a_typo_in_a_schedule_day_is_a_usage_reply(chat):
    chat.say("/危机 开启 面霜过敏")
    replies = chat.say("/季度复盘 日=²", minutes=5)
    assert replies and all(FAILED not in r.text for r in replies)
    last = inbox_rows(chat.engine)[-1]
    assert (last.status, last.attempts) == ("done", 0)


@pytest.fixture
def group(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def raw_message(n: int, message_type: str, content: str) -> dict:
    event = message_event(
        event_id=f"ev_input_{n}",
        message_id=f"om_input_{n}",
        chat_id=CHAT,
        text="",
        sender_open_id="ou_ceo",
        token=VERIFICATION_TOKEN,
        create_time_ms=int(T0.timestamp() * 1000) + n * 60_000,
    )
    event["event"]["message"].update(message_type=message_type, content=content)
    return event


def test_malformed_message_contents_are_read_as_far_as_they_go(group):
    group.say("ou_ceo", "/危机 开启 面霜过敏")
    post = {"title": "通报", "content": ["不是列表", [7, {"tag": "text", "text": "话题阅读量破620万"}], None]}
    for n, (kind, content) in enumerate(
        [("text", json.dumps(["/改进 完成 1"])), ("post", json.dumps(post)), ("post", json.dumps({"content": 5}))], 1
    ):
        assert group.post(raw_message(n, kind, content)).status_code == 200
    assert wait_until(group.idle)
    rows = inbox_rows(group.runtime.engine)
    assert {(r.status, r.attempts) for r in rows} == {("done", 0)}
    assert not any(FAILED in t for t in group.texts())
    assert any("升级为一级危机" in t for t in group.texts())  # the readable part of the post was used


def post_raw(group: FeishuGroup, body: bytes) -> httpx.Response:
    headers = signed_headers(body, ENCRYPT_KEY)
    return httpx.post(f"{group.url}/feishu/events", content=body, headers=headers, timeout=10)


def test_a_deeply_nested_body_is_a_400(group):
    response = post_raw(group, b"[" * 200_000)
    assert response.status_code == 400
    assert inbox_rows(group.runtime.engine) == []


def surrogate_event(name: str) -> str:
    event = message_event(
        event_id=f"ev_{name}", message_id=f"om_{name}", chat_id=CHAT, text="x", token=VERIFICATION_TOKEN
    )
    return json.dumps(event)


def test_a_signed_body_with_a_lone_surrogate_is_a_400(group):
    outer = json.loads(encrypt_body(json.loads(surrogate_event("outer")), ENCRYPT_KEY))
    body = json.dumps(outer)[:-1].encode() + b', "note": "\\ud800"}'
    assert post_raw(group, body).status_code == 400
    inner = surrogate_event("inner").replace('"om_inner"', '"om_\\ud800"')
    assert post_raw(group, encrypt_body(inner, ENCRYPT_KEY)).status_code == 400
    assert inbox_rows(group.runtime.engine) == []


def test_a_lone_surrogate_inside_a_message_text_is_read_without_it(group):
    group.say("ou_ceo", "/危机 开启 面霜过敏")
    plain = surrogate_event("content").replace('\\"x\\"', '\\"\\\\ud800\\u8fc7\\u654f\\"')
    assert "ud800" in plain
    assert post_raw(group, encrypt_body(plain, ENCRYPT_KEY)).status_code == 200
    assert wait_until(group.idle)
    assert {(r.status, r.attempts) for r in inbox_rows(group.runtime.engine)} == {("done", 0)}
