"""Sandbox mode: what `crisisbot serve` runs on a fresh machine, through the same pipeline."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from bot.core.db import make_engine
from bot.core.models import InboxEvent
from bot.sandbox.members import DEFAULT_CHAT, MEMBERS
from tests.support import T0, Clock, make_settings, serve, wait_until


@pytest.fixture
def sandbox_url(db_url):
    settings = make_settings(db_url)
    assert settings.mode.value == "sandbox"
    with serve(create_app(settings)) as url:
        yield url


def transcript(http, url):
    return http.get(f"{url}/sandbox/api/messages", params={"chat_id": DEFAULT_CHAT}).json()


def test_page_is_served_in_chinese(sandbox_url, http):
    page = http.get(f"{sandbox_url}/")
    assert page.status_code == 200
    assert "沙盒应急群" in page.text
    for member in MEMBERS:
        assert member.name in page.text


def test_joining_greets_once(sandbox_url, http):
    assert http.post(f"{sandbox_url}/sandbox/api/join").json() == {"greeted": True}
    assert http.post(f"{sandbox_url}/sandbox/api/join").json() == {"greeted": False}
    assert wait_until(lambda: len(transcript(http, sandbox_url)) == 1)
    [greeting] = transcript(http, sandbox_url)
    assert greeting["from_bot"] and greeting["card"]["title"] == "危机复盘助手已入群"


def test_help_posted_in_the_sandbox_is_answered(sandbox_url, http):
    sender = MEMBERS[1].user_id
    response = http.post(f"{sandbox_url}/sandbox/api/messages", json={"sender_id": sender, "text": "/帮助"})
    assert response.status_code == 202
    assert wait_until(lambda: any(m["from_bot"] for m in transcript(http, sandbox_url)))
    messages = transcript(http, sandbox_url)
    assert messages[0]["text"] == "/帮助" and not messages[0]["from_bot"]
    assert "/help" in messages[1]["text"]
    health = http.get(f"{sandbox_url}/healthz").json()
    assert health["mode"] == "sandbox" and health["inbox"] == {"done": 1}


def test_unknown_member_and_empty_text_are_refused(sandbox_url, http):
    refused = http.post(f"{sandbox_url}/sandbox/api/messages", json={"sender_id": "ou_x", "text": "hi"})
    assert refused.status_code == 400 and refused.json()["detail"] == "未知成员"
    assert (
        http.post(f"{sandbox_url}/sandbox/api/messages", json={"sender_id": MEMBERS[0].user_id, "text": ""}).status_code
        == 422
    )
    assert transcript(http, sandbox_url) == []


def test_feishu_webhook_is_not_exposed_in_sandbox_mode(sandbox_url, http):
    assert http.post(f"{sandbox_url}/feishu/events", content=b"{}").status_code in (404, 405)


def test_a_button_press_is_acknowledged_with_a_toast(sandbox_url, http):
    pressed = http.post(
        f"{sandbox_url}/sandbox/api/actions", json={"sender_id": MEMBERS[0].user_id, "value": {"action": "x"}}
    )
    assert pressed.status_code == 202 and pressed.json() == {"toast": "已收到，正在处理"}


def test_a_sandbox_message_is_stamped_with_the_bots_clock(db_url, http):
    settings = make_settings(db_url)
    with serve(create_app(settings, clock=Clock(T0))) as url:
        http.post(f"{url}/sandbox/api/messages", json={"sender_id": MEMBERS[1].user_id, "text": "09:00 发现差评"})
    engine = make_engine(db_url)
    with Session(engine) as session:
        [row] = session.exec(select(InboxEvent)).all()
    engine.dispose()
    assert json.loads(row.payload)["create_time_ms"] == int(T0.timestamp() * 1000)
