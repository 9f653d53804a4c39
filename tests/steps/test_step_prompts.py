"""Playbook steps driving the group, with a controllable clock, through the webhook and the fake
Feishu Open API: role cards, reminders, overdue notices and escalations at the right times,
each exactly once and to the right people; deadlines shrink on an upgrade; restarts lose nothing;
card buttons complete steps idempotently."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.core import db
from bot.core.models import OutboxMessage
from bot.library.playbooks import load as load_playbooks
from bot.scheduling import sweep
from bot.steps.models import IncidentStep
from tests.fakes.feishu_webhook import card_action_event
from tests.feishu_group import FeishuGroup
from tests.support import BUNDLED_PLAYBOOKS, T0, VERIFICATION_TOKEN, Clock, serve, wait_until

CHAT = "oc_steps"
PLAYBOOK = load_playbooks(BUNDLED_PLAYBOOKS).playbooks["product_defect"]
FIRST = PLAYBOOK.step("first_response")
ACTIVE_ROLES = {step.role for step in PLAYBOOK.steps if step.when is None}
DEADLINE = 30  # seconds a test waits for something the bot sends in the background (a busy CI machine is slow)


@pytest.fixture
def group(db_url, fake_feishu):
    clock = Clock(T0)
    made = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def role_cards(group: FeishuGroup) -> list[dict]:
    return [c for c in group.cards() if "任务" in c["content"]["header"]["title"]["content"]]


def open_crisis(group: FeishuGroup) -> list[dict]:
    """Open the incident and wait for its role cards: the sweep after the command sends them in the
    background, after the command's own reply, so "idle" right after the command is not enough."""
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    assert wait_until(lambda: len(role_cards(group)) >= len(ACTIVE_ROLES) and group.idle(), timeout=DEADLINE)
    return role_cards(group)


def steps_of(db_url: str) -> dict[str, IncidentStep]:
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        rows = session.exec(select(IncidentStep)).all()
    engine.dispose()
    return {row.step_id: row for row in rows}


def test_seed_deadlines_for_the_first_response():
    assert FIRST.deadline[1] == timedelta(hours=1) and FIRST.deadline[2] == timedelta(hours=2)
    assert PLAYBOOK.step("formal_statement").deadline[1] == timedelta(hours=4)


def test_level_two_incident_prompts_reminds_and_escalates_once_each(group):
    group.assign_everyone()
    cards = open_crisis(group)
    assert len(cards) == len(ACTIVE_ROLES)  # one card per role, not per step
    [ops_card] = [c for c in cards if "运营任务" in c["content"]["header"]["title"]["content"]]
    assert "<at id=ou_ops></at>" in str(ops_card["content"]) and FIRST.title in str(ops_card["content"])

    due = T0 + timedelta(hours=2)
    assert steps_of(group.db_url)["first_response"].due_at == due
    before = len(group.texts())
    assert group.at(due - FIRST.remind_before - timedelta(minutes=1)) == 0
    group.at(due - FIRST.remind_before)
    group.at(due - FIRST.remind_before + timedelta(seconds=30))  # the next sweep sends nothing again
    reminders = [t for t in group.texts()[before:] if FIRST.title in t]
    assert len(reminders) == 1 and "⏰" in reminders[0] and '<at user_id="ou_ops"></at>' in reminders[0]
    assert "补发" not in reminders[0]

    group.at(due)
    group.at(due + timedelta(seconds=20))
    overdue = [t for t in group.texts()[before:] if FIRST.title in t and "⌛" in t]
    assert len(overdue) == 1 and '<at user_id="ou_ops"></at>' in overdue[0]

    group.at(due + FIRST.escalate_after)
    group.at(due + FIRST.escalate_after + timedelta(minutes=1))
    escalations = [t for t in group.texts()[before:] if FIRST.title in t and "🚨" in t]
    # level 2 is led by ops (the seed: 运营团队负责); escalation also reaches the group's 负责人
    assert len(escalations) == 1
    assert '<at user_id="ou_ceo"></at>' in escalations[0] and '<at user_id="ou_ops"></at>' in escalations[0]


def test_upgrade_to_level_one_shrinks_open_deadlines(group):
    group.assign_everyone()
    open_crisis(group)
    group.clock.now = T0 + timedelta(minutes=30)
    group.say("ou_ops", "话题阅读量破620万")
    group.at(T0 + timedelta(minutes=31))
    rows = steps_of(group.db_url)
    assert rows["first_response"].due_at == T0 + timedelta(hours=1)
    assert rows["formal_statement"].due_at == T0 + timedelta(hours=4)
    for step in PLAYBOOK.steps:  # every open step now runs on its level-1 deadline
        if rows[step.id].active and rows[step.id].status == "open":
            assert rows[step.id].due_at == T0 + step.deadline[1]
    before = len(group.texts())
    group.at(T0 + timedelta(hours=1) - FIRST.remind_before)
    assert any(FIRST.title in t and "⏰" in t for t in group.texts()[before:])


def test_statement_and_phrases_complete_steps_at_event_time(group):
    group.assign_everyone()
    open_crisis(group)
    group.clock.now = T0 + timedelta(minutes=55)
    group.say("ou_mkt", "【初步回应】非常抱歉，我们正在逐一联系反馈的用户")
    cs_phrase = PLAYBOOK.step("cs_channel").done_when[0]
    group.clock.now = T0 + timedelta(minutes=70)
    group.say("ou_qa", f"{cs_phrase}")  # QA saying it does not complete support's step
    group.say("ou_cs", f"{cs_phrase}")
    rows = steps_of(group.db_url)
    assert rows["first_response"].status == "done" and rows["first_response"].done_at == T0 + timedelta(minutes=55)
    assert rows["cs_channel"].done_by == "ou_cs"
    assert any("已完成" in t and FIRST.title in t and "按时" in t for t in group.texts())
    before = len(group.texts())
    group.at(T0 + timedelta(hours=3))  # past first_response's deadline: nothing, it is done
    assert not any(FIRST.title in t for t in group.texts()[before:])


def test_formal_statement_waits_for_the_lead(group):
    group.assign_everyone()
    open_crisis(group)
    group.say("ou_mkt", "/完成 formal_statement")
    assert steps_of(group.db_url)["formal_statement"].approved_by is None
    assert any("待负责人确认" in t for t in group.texts())
    group.say("ou_ceo", "/完成 formal_statement")
    assert steps_of(group.db_url)["formal_statement"].approved_by == "ou_ceo"


def test_button_completion_updates_the_card_and_double_clicks_change_nothing(group):
    group.assign_everyone()
    [card] = [c for c in open_crisis(group) if "运营任务" in c["content"]["header"]["title"]["content"]]
    buttons = [
        el
        for column_set in card["content"]["body"]["elements"]
        if column_set["tag"] == "column_set"
        for column in column_set["columns"]
        for el in column["elements"]
    ]
    done_value = next(
        b["behaviors"][0]["value"]
        for b in buttons
        if b["behaviors"][0]["value"]["action"] == "step_done"
        and b["behaviors"][0]["value"]["step"] == "first_response"
    )
    group.clock.now = T0 + timedelta(minutes=40)
    for click in range(2):
        event = card_action_event(
            event_id=f"ev_click_{click}",
            open_id="ou_ops",
            chat_id=CHAT,
            message_id=card["message_id"],
            value=done_value,
            token=VERIFICATION_TOKEN,
        )
        event["header"]["create_time"] = str(int(group.clock.now.timestamp() * 1000))
        response = group.post(event)
        assert response.status_code == 200 and response.json()["toast"]["content"]
        assert wait_until(group.idle, timeout=DEADLINE)

    def updates() -> list[dict]:
        return [u for u in group.fake.card_updates if u["message_id"] == card["message_id"]]

    assert wait_until(lambda: updates() and group.idle(), timeout=DEADLINE)
    row = steps_of(group.db_url)["first_response"]
    assert (row.status, row.done_by, row.done_at) == ("done", "ou_ops", T0 + timedelta(minutes=40))
    assert len(updates()) == 1 and "已完成" in str(updates()[0]["content"])
    assert sum("已完成" in t and FIRST.title in t for t in group.texts()) == 1


def test_a_reminder_due_while_the_bot_was_down_is_sent_once_after_restart(db_url, fake_feishu):
    clock = Clock(T0)
    first = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT)
    with serve(first.app) as url:
        first.url = url
        first.assign_everyone()
        open_crisis(first)
    due = T0 + timedelta(hours=2)
    clock.now = due - FIRST.remind_before + timedelta(minutes=5)  # the reminder time passed while down
    second = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT)
    with serve(second.app) as url:
        second.url = url
        second.at(clock.now)
        second.at(clock.now + timedelta(seconds=30))
    reminders = [t for t in second.texts() if FIRST.title in t and "⏰" in t]
    assert len(reminders) == 1 and "补发" in reminders[0]


def test_concurrent_sweeps_never_double_send(db_url, fake_feishu):
    clock = Clock(T0)
    group = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT)
    with serve(group.app) as url:
        group.url = url
        group.assign_everyone()
        open_crisis(group)
    engine = db.make_engine(db_url)
    settings = group.runtime.settings
    when = T0 + timedelta(hours=2) + FIRST.escalate_after
    barrier = threading.Barrier(4)

    def race() -> None:
        barrier.wait()
        try:
            sweep.sweep(engine, settings, now=when)
        except Exception:  # a loser of a race on the unique notice key rolls back; nothing is sent twice
            pass

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    sweep.sweep(engine, settings, now=when)
    with Session(engine) as session:
        texts = [row.payload for row in session.exec(select(OutboxMessage)).all()]
    engine.dispose()
    assert sum(FIRST.title in t and "🚨" in t for t in texts) == 1
