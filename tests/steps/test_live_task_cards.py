"""One live task card per role per incident: when an upgrade moves the deadlines (or new steps join a role), the
role's card already in the group is updated in place — the same sandbox bubble, a PATCH of the same Feishu
message — and shows what /状态 shows; an update queued before a crash is delivered after the restart; a card
too old to edit is sent anew and the old one marked superseded."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from bot.app import create_app
from bot.core.db import make_engine
from bot.sandbox.members import DEFAULT_CHAT, MEMBERS
from tests.core.test_crash_recovery import inbox_statuses, start_bot
from tests.fakes.feishu_webhook import message_event, webhook_request
from tests.feishu_group import FeishuGroup
from tests.support import ENCRYPT_KEY, T0, VERIFICATION_TOKEN, Clock, free_port, make_settings, serve, wait_until

CHAT = "oc_live_cards"
ROLES = ("运营", "客服", "质检", "市场")  # the roles with steps in a level-2 product-defect incident
SUPERSEDED = "已更新，见最新卡片"
DEADLINE = 30  # seconds to wait for what the bot does in the background


def card_deadlines(text: str) -> dict[str, str]:
    """Step id → its deadline as a role card shows it (`**1. 标题**（first_response）\\n- 截止：10:00 · …`)."""
    return dict(re.findall(r"（(\w+)）\s*\n- 截止：([^·\n]+?) ·", text))


def status_deadlines(text: str) -> dict[str, str]:
    """Step id → its deadline as the /状态 card shows it (`- 标题（first_response）· 运营 … · 截止 10:00 · …`)."""
    return dict(re.findall(r"（(\w+)）· [^\n]*?截止 ([^·\n]+?) ·", text))


def card_text(card: dict) -> str:
    return "\n".join(block.get("text", "") for block in card["blocks"])


# ---- sandbox -----------------------------------------------------------------------------------------------


class SandboxGroup:
    """The sandbox app served on loopback, driven over HTTP as the page drives it, on a clock the test moves."""

    def __init__(self, url: str, clock: Clock, http: httpx.Client) -> None:
        self.url, self.clock, self.http = url, clock, http
        self.ids = {m.title: m.user_id for m in MEMBERS}

    def post(self, text: str, who: str = "CEO", mention: tuple[str, ...] = ()) -> None:
        body = {"sender_id": self.ids[who], "text": text, "mention_ids": [self.ids[t] for t in mention]}
        assert self.http.post(f"{self.url}/sandbox/api/messages", json=body).status_code == 202

    def transcript(self, since: int | None = None) -> list[dict]:
        params = {"chat_id": DEFAULT_CHAT, **({"since": since} if since is not None else {})}
        return self.http.get(f"{self.url}/sandbox/api/messages", params=params).json()

    def role_cards(self) -> dict[str, list[dict]]:
        """Role word → the task cards the group shows for it, oldest first."""
        found: dict[str, list[dict]] = {}
        for message in self.transcript():
            title = (message["card"] or {}).get("title", "") if message["from_bot"] else ""
            role = next((r for r in ROLES if title.startswith(f"{r}任务")), None)
            if role:
                found.setdefault(role, []).append(message)
        return found

    def idle(self) -> bool:
        health = self.http.get(f"{self.url}/healthz").json()
        return set(health["inbox"]) <= {"done"} and health["outbox_pending"] == 0


@pytest.fixture
def sandbox(db_url, http):
    clock = Clock(T0)
    with serve(create_app(make_settings(db_url), clock=clock)) as url:
        yield SandboxGroup(url, clock, http)


def test_sandbox_upgrade_updates_each_role_card_in_its_bubble(sandbox):
    for title, word in (("运营", "运营"), ("市场", "市场"), ("客服", "客服"), ("质检", "质检"), ("CEO", "负责人")):
        name = next(m.name for m in MEMBERS if m.title == title)
        sandbox.post(f"/角色 {word} @{name}", mention=(title,))
    sandbox.post("/危机 开启 面霜过敏")
    assert wait_until(lambda: len(sandbox.role_cards()) == len(ROLES) and sandbox.idle(), timeout=DEADLINE)
    before = {role: cards[0]["id"] for role, cards in sandbox.role_cards().items()}
    assert card_deadlines(card_text(sandbox.role_cards()["质检"][0]["card"]))["qa_trace"] == "15:00"
    seen = max(m["revision"] for m in sandbox.transcript())

    sandbox.clock.now = T0 + timedelta(minutes=27)
    sandbox.post("/数据 话题阅读 520万", who="运营")

    def qa_card_moved() -> bool:
        cards = sandbox.role_cards().get("质检", [])
        return bool(cards) and card_deadlines(card_text(cards[-1]["card"])).get("qa_trace") == "12:00"

    assert wait_until(lambda: qa_card_moved() and sandbox.idle(), timeout=DEADLINE)
    sandbox.post("/状态")
    assert wait_until(lambda: any("状态" in (m["card"] or {}).get("title", "") for m in sandbox.transcript()))
    [status] = [m for m in sandbox.transcript() if "状态" in (m["card"] or {}).get("title", "")]
    shown = status_deadlines(card_text(status["card"]))

    cards = sandbox.role_cards()
    assert {role: [c["id"] for c in role_cards] for role, role_cards in cards.items()} == {
        role: [before[role]] for role in ROLES
    }  # exactly one card per role: the same bubble as before
    for role, [card] in cards.items():
        deadlines = card_deadlines(card_text(card["card"]))
        assert deadlines and all(shown[step] == due for step, due in deadlines.items()), (role, deadlines, shown)
    assert "lead_briefing" in card_deadlines(card_text(cards["运营"][0]["card"]))  # the new level-1 step joined
    assert not any(SUPERSEDED in (m["text"] or "") for m in sandbox.transcript())
    # The page polls by revision: the updated bubbles come back to be drawn again, under their own ids.
    redrawn = {m["id"] for m in sandbox.transcript(since=seen)}
    assert set(before.values()) <= redrawn


# ---- Feishu ------------------------------------------------------------------------------------------------


@pytest.fixture
def group(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def feishu_role_cards(group: FeishuGroup) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for card in group.cards():
        title = card["content"]["header"]["title"]["content"]
        role = next((r for r in ROLES if title.startswith(f"{r}任务")), None)
        if role:
            found.setdefault(role, []).append(card)
    return found


def markdown_of(content: dict) -> str:
    return "\n".join(el.get("content", "") for el in content["body"]["elements"] if el["tag"] == "markdown")


def open_and_upgrade(group: FeishuGroup, *, before_upgrade=None) -> dict[str, dict]:
    """Open a level-2 incident, wait for its four role cards, then raise it to level 1 at 09:27 with
    `/数据 话题阅读 520万` and let the sweep run; the role cards as first sent."""
    group.assign_everyone()
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    assert wait_until(lambda: len(feishu_role_cards(group)) == len(ROLES) and group.idle(), timeout=DEADLINE)
    first = {role: cards[0] for role, cards in feishu_role_cards(group).items()}
    if before_upgrade:
        before_upgrade(first)
    group.clock.now = T0 + timedelta(minutes=27)
    group.say("ou_ops", "/数据 话题阅读 520万")
    group.at(group.clock.now)
    return first


def status_now(group: FeishuGroup) -> dict[str, str]:
    [status] = [c for c in group.say("ou_ceo", "/状态") if c["msg_type"] == "interactive"]
    return status_deadlines(markdown_of(status["content"]))


def test_feishu_upgrade_patches_the_role_cards_and_sends_no_second_card(group):
    first = open_and_upgrade(group)
    assert {role: len(cards) for role, cards in feishu_role_cards(group).items()} == dict.fromkeys(ROLES, 1)
    patched = {u["message_id"] for u in group.fake.card_updates}
    assert patched == {card["message_id"] for card in first.values()}
    shown = status_now(group)
    for role, card in first.items():
        deadlines = card_deadlines(markdown_of(group.fake.current(card["message_id"])["content"]))
        assert deadlines and all(shown[step] == due for step, due in deadlines.items()), (role, deadlines, shown)
    assert (
        card_deadlines(markdown_of(group.fake.current(first["质检"]["message_id"])["content"]))["qa_trace"] == "12:00"
    )
    assert not any(SUPERSEDED in t for t in group.texts())

    # Later changes keep landing on the same cards: a completed step updates the ops card once more.
    updates = len(group.fake.card_updates)
    group.say("ou_ops", "/完成 first_response")
    assert wait_until(lambda: len(group.fake.card_updates) > updates and group.idle(), timeout=DEADLINE)
    assert {u["message_id"] for u in group.fake.card_updates[updates:]} == {first["运营"]["message_id"]}
    assert len(feishu_role_cards(group)["运营"]) == 1


def test_a_card_past_the_edit_window_is_sent_anew_and_the_old_one_marked(group):
    first = open_and_upgrade(group, before_upgrade=lambda cards: group.fake.age(cards["运营"]["message_id"], 15))
    ops = feishu_role_cards(group)["运营"]
    assert len(ops) == 2 and ops[0]["message_id"] == first["运营"]["message_id"]
    marks = [m for m in group.fake.sent_messages if m["msg_type"] == "text" and SUPERSEDED in m["content"]["text"]]
    assert [m["reply_to"] for m in marks] == [first["运营"]["message_id"]]
    assert card_deadlines(markdown_of(ops[1]["content"]))["first_response"] == "10:00"
    for role in ("客服", "质检", "市场"):
        assert len(feishu_role_cards(group)[role]) == 1

    # The new card is the live one now: the next change updates it, and nothing is marked twice.
    updates = len(group.fake.card_updates)
    group.say("ou_ops", "/完成 first_response")
    assert wait_until(lambda: len(group.fake.card_updates) > updates and group.idle(), timeout=DEADLINE)
    assert {u["message_id"] for u in group.fake.card_updates[updates:]} == {ops[1]["message_id"]}
    assert len(feishu_role_cards(group)["运营"]) == 2
    assert sum(SUPERSEDED in t for t in group.texts()) == 1


# ---- crash between queueing and delivering an update ------------------------------------------------------------


def pending_card_updates(db_url: str) -> int:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.text("select count(*) from outbox_message where status = 'pending' and ref like 'incident:%:steps:%'")
        ).scalar_one()
    engine.dispose()
    return count


def test_an_update_queued_before_a_kill_is_delivered_after_restart(db_url, fake_feishu):
    port = free_port()

    def say(n: int, text: str) -> None:
        event = message_event(
            event_id=f"ev_live_{n}",
            message_id=f"om_live_{n}",
            chat_id=CHAT,
            text=text,
            sender_open_id="ou_ceo",
            token=VERIFICATION_TOKEN,
            create_time_ms=int(time.time() * 1000),
        )
        body, headers = webhook_request(event, ENCRYPT_KEY)
        response = httpx.post(f"http://127.0.0.1:{port}/feishu/events", content=body, headers=headers, timeout=5)
        assert response.status_code == 200

    def role_cards() -> list[dict]:
        return [
            m
            for m in fake_feishu.sent_messages
            if m["msg_type"] == "interactive" and "任务" in m["content"]["header"]["title"]["content"]
        ]

    proc = start_bot(db_url, fake_feishu, port)
    try:
        say(1, "/危机 开启 面霜过敏笔记")
        assert wait_until(lambda: len(role_cards()) == len(ROLES), timeout=DEADLINE)
        fake_feishu.fail_next(10_000, status=503, path_prefix="/open-apis/im/v1/messages/", method="PATCH")
        say(2, "/数据 话题阅读 520万")
        assert wait_until(lambda: inbox_statuses(db_url) == ["done", "done"], timeout=DEADLINE)
        assert wait_until(lambda: fake_feishu.calls_to("/open-apis/im/v1/messages/", "PATCH"), timeout=DEADLINE)
        assert pending_card_updates(db_url) == len(ROLES)  # queued, not delivered: Feishu refuses updates now
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert fake_feishu.card_updates == []
    fake_feishu.recover()

    proc = start_bot(db_url, fake_feishu, port)
    try:
        cards = {m["message_id"] for m in role_cards()}
        assert wait_until(lambda: {u["message_id"] for u in fake_feishu.card_updates} == cards, timeout=DEADLINE)
        assert wait_until(lambda: pending_card_updates(db_url) == 0, timeout=DEADLINE)
    finally:
        proc.terminate()
        proc.wait(10)
    assert len(role_cards()) == len(ROLES)  # updated in place, never sent again


# ---- cards sent before live cards existed ----------------------------------------------------------------------


def test_after_the_migration_older_copies_of_a_role_card_are_marked_superseded(db_url, http):
    """The issue's group: three 运营 cards with different times, sent before there were live cards. Migration 0009
    takes the latest copy as the live card; the next sweep brings it up to date and marks the other two."""
    from alembic import command
    from sqlmodel import Session, select

    from bot.core.db import alembic_config
    from bot.core.messages import Card, Markdown, Outbound
    from bot.core.models import OutboxMessage
    from bot.sandbox.messenger import SandboxMessenger

    clock = Clock(T0)
    app = create_app(make_settings(db_url), clock=clock)
    with serve(app) as url:
        sandbox = SandboxGroup(url, clock, http)
        sandbox.post("/危机 开启 面霜过敏")
        assert wait_until(lambda: len(sandbox.role_cards()) == len(ROLES) and sandbox.idle(), timeout=DEADLINE)
    engine = make_engine(db_url)
    with Session(engine) as session:  # two more 运营 cards, as the old sweep posted them beside the first
        [ops] = session.exec(select(OutboxMessage).where(OutboxMessage.ref.like("%:steps:ops"))).all()
        for n in range(2):
            stale = Outbound(
                chat_id=DEFAULT_CHAT, kind="card", card=Card("运营任务 · 事件 #1", (Markdown("截止：15:27"),))
            )
            sent_id = SandboxMessenger(engine).send(stale, uuid=f"legacy-{n}")
            session.add(
                OutboxMessage(
                    uuid=f"legacy-{n}",
                    chat_id=DEFAULT_CHAT,
                    kind="card",
                    payload="{}",
                    status="sent",
                    ref=ops.ref,
                    sent_message_id=sent_id,
                )
            )
        session.commit()
    engine.dispose()
    command.downgrade(alembic_config(db_url), "0008")  # the database as it was before live cards
    command.upgrade(alembic_config(db_url), "head")

    clock.advance(minutes=5)
    app = create_app(make_settings(db_url), clock=clock)
    with serve(app) as url:
        sandbox = SandboxGroup(url, clock, http)
        app.state.runtime.sweep()
        copies = sandbox.role_cards()["运营"]
        assert len(copies) == 3

        def settled() -> bool:
            texts = [card_text(c["card"]) for c in sandbox.role_cards()["运营"]]
            return sum(SUPERSEDED in t for t in texts) == 2 and sandbox.idle()

        assert wait_until(settled, timeout=DEADLINE)
        [live] = [c for c in sandbox.role_cards()["运营"] if SUPERSEDED not in card_text(c["card"])]
        assert live["id"] == copies[-1]["id"]  # the latest copy is the live one, now up to date
        assert card_deadlines(card_text(live["card"])) == {"first_response": "11:00"}
        for stale in (c for c in sandbox.role_cards()["运营"] if c["id"] != live["id"]):
            assert "截止" not in card_text(stale["card"]) and stale["card"]["color"] == "grey"
        for role in ("客服", "质检", "市场"):  # brought up to date in place too: nothing new sent
            assert len(sandbox.role_cards()[role]) == 1


# ---- the sandbox page --------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
def test_the_sandbox_page_redraws_an_updated_card_in_its_bubble(sandbox):
    from playwright.sync_api import sync_playwright

    from tests.sandbox.test_sandbox_page import ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(locale="zh-CN")
        page.goto(sandbox.url + "/")
        sandbox.post("/危机 开启 面霜过敏")
        qa_card = page.locator(".msg.bot .card", has_text="质检任务")
        qa_card.filter(has_text="15:00").wait_for(timeout=DEADLINE * 1000)
        sandbox.clock.now = T0 + timedelta(minutes=27)
        sandbox.post("/数据 话题阅读 520万", who="运营")
        qa_card.filter(has_text="12:00").wait_for(timeout=DEADLINE * 1000)
        assert qa_card.count() == 1 and "15:00" not in qa_card.inner_text()
        titles = page.locator(".msg.bot .card h3").all_inner_texts()
        assert sorted(t.split(" ·")[0] for t in titles if "任务" in t) == sorted(f"{r}任务" for r in ROLES)
        ids = page.locator(".msg").evaluate_all("nodes => nodes.map(n => Number(n.id.slice(1)))")
        assert ids == sorted(ids)  # bubbles stay in the order they were posted
        browser.close()
