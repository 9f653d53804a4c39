"""The sandbox's 导出对话 replays to the sandbox's own retro; `serve --demo` opens on a finished example (report
link working) and one in progress."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
from sqlmodel import Session, select

from bot.app import create_app
from bot.core import db
from bot.incidents.models import Incident
from bot.replay import demo, flows
from bot.replay import format as conversation_format
from bot.retro import flows as retro_flows
from bot.sandbox.members import DEFAULT_CHAT
from tests.support import T0, Clock, make_settings, serve, wait_until

CEO, OPS = "ou_sandbox_ceo", "ou_sandbox_ops"


def test_a_sandbox_export_replays_to_the_sandbox_retro(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    settings = make_settings(url)
    clock = Clock(T0)
    app = create_app(settings, clock=clock)
    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:

        def post(text: str, who: str = CEO, mentions=(), minutes: float = 0) -> None:
            clock.advance(minutes=minutes)
            body = {"sender_id": who, "text": text, "mention_ids": list(mentions)}
            assert http.post("/sandbox/api/messages", json=body).status_code == 202
            wait_until(lambda: _inbox_done(app))

        post("小红书有人说面霜用了过敏，已经1000多赞")
        post("/危机 开启 面霜过敏 开始=09:00", minutes=10)
        post("/角色 运营 @王运营", mentions=[OPS], minutes=1)
        post("/数据 负面占比 30%", who=OPS, minutes=5)
        post("/声明 初步 很抱歉让你遇到这种情况，已封存批次送检，3天内可申请全额退款", who=OPS, minutes=40)
        clock.advance(minutes=20)
        assert (
            http.post(
                "/sandbox/api/actions",
                json={"sender_id": CEO, "value": {"action": "step_done", "incident": 1, "step": "cs_channel"}},
            ).status_code
            == 202
        )
        wait_until(lambda: _inbox_done(app))
        post("/结束", minutes=90)
        exported = http.get("/sandbox/api/export", params={"chat_id": DEFAULT_CHAT})
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        page = http.get("/").text
        assert "导出对话" in page and "/sandbox/api/export" in page
    engine = db.make_engine(url)
    with Session(engine) as session:
        incident = session.exec(select(Incident)).one()
        sandbox_retro = json.loads(retro_flows.document(session, incident, settings, format="json", now=clock.now))
    engine.dispose()
    export_file = tmp_path / "export.yaml"
    export_file.write_text(exported.text, encoding="utf-8")
    conversation = conversation_format.load(export_file)
    assert conversation.lines[-1].text == "/结束" and any(line.click for line in conversation.lines)
    replayed = flows.retro_of(conversation, make_settings(url), format="json")
    assert json.loads(replayed.text) == sandbox_retro
    assert sandbox_retro["steps"][1]["id"] == "cs_channel" and sandbox_retro["steps"][1]["state"] == "met"


def _inbox_done(app) -> bool:
    from bot.core import inbox

    with Session(app.state.runtime.engine) as session:
        counts = inbox.counts(session)
    return counts.get("pending", 0) == 0


def test_serve_demo_opens_on_a_finished_and_an_open_incident_and_the_report_link_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    settings = make_settings(url)
    now = T0 + timedelta(days=30)
    assert demo.seed(settings, now=now) is True
    assert demo.seed(settings, now=now) is False  # only into a database with no incidents
    engine = db.make_engine(url)
    with Session(engine) as session:
        incidents = session.exec(select(Incident).order_by(Incident.id)).all()
    engine.dispose()
    assert [(i.chat_id, i.status, i.playbook) for i in incidents] == [
        (DEFAULT_CHAT, "closed", "product_defect"),
        (DEFAULT_CHAT, "open", "service_lag"),
    ]
    assert incidents[0].closed_at < incidents[1].started_at
    app = create_app(settings, clock=lambda: now)
    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:
        transcript = http.get("/sandbox/api/messages", params={"chat_id": DEFAULT_CHAT}).json()
        assert any(m["sender_name"] == "王运营" and not m["from_bot"] for m in transcript)
        links = [
            b["url"]
            for m in transcript
            if m["card"]
            for block in m["card"]["blocks"]
            for b in block.get("buttons", [])
            if b.get("url")
        ]
        assert links, "the finished example's retro card has no report link"
        path = re.sub(r"^https?://[^/]+", "", links[0])
        report = http.get(path)
        assert report.status_code == 200
        assert "危机概述" in report.text and "修护面霜过敏" in report.text


def test_the_demo_plays_on_to_now_so_the_server_owes_no_late_notices(tmp_path):
    """The open example ends in the morning; opened at 23:30 the same day, what fell due since (the formal
    statement's reminder at 21:30, its deadline at 22:30) was sent at its time — not by the freshly started server
    as “（补发，机器人离线期间到点）”, which would tell a first-time user the bot had been down."""
    from datetime import datetime, time

    from bot.scheduling import sweep

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    settings = make_settings(url)
    day = (T0 + timedelta(days=30)).astimezone(settings.tz).date()
    now = datetime.combine(day, time(23, 30), tzinfo=settings.tz)
    assert demo.seed(settings, now=now) is True
    engine = db.make_engine(url)
    try:
        assert sweep.sweep(engine, settings, now=now) == 0
    finally:
        engine.dispose()
    app = create_app(settings, clock=lambda: now)
    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:
        transcript = http.get("/sandbox/api/messages", params={"chat_id": DEFAULT_CHAT}).json()
    members = [m for m in transcript if not m["from_bot"]]
    after_last_line = [m for m in transcript if m["from_bot"] and m["at"] > members[-1]["at"]]
    assert any("formal_statement" in (m["text"] or "") for m in after_last_line), after_last_line
    assert not [m["text"] for m in transcript if "离线" in (m["text"] or "")]
