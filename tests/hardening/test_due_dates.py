"""Issue 15, item 9: a due date already past is refused; 补发 (sent late because the bot was offline) is said
only when the bot was really offline at the due time — never for a backdated crisis start or an item
created after its reminder time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.followups.models import ActionItem
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, serve, wait_until

CHAT = "oc_hardening_due"
LATE = "补发"


@pytest.fixture
def group(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0 + timedelta(hours=3)), chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def action_items(group: FeishuGroup) -> list[ActionItem]:
    with Session(group.runtime.engine) as session:
        return list(session.exec(select(ActionItem)))


def test_a_past_due_date_is_refused_and_nothing_is_escalated(group):
    group.say("ou_ceo", "/危机 开启 面霜过敏")
    group.say("ou_ceo", "/改进 每月演练 @_user_1 截止=2020-01-01", [("ou_ops", "王运营")])
    assert any("截止日期 2020-01-01 已经过去" in t for t in group.texts())
    assert action_items(group) == []
    group.at(group.clock.now + timedelta(days=1))
    assert not any("改进项" in t for t in group.texts())  # no due notice, no overdue escalation


def test_an_item_due_today_created_after_its_reminder_time_is_not_called_late(group):
    group.say("ou_ceo", "/危机 开启 面霜过敏")  # 12:00, after the 10:00 reminder of an item due today
    group.say("ou_ceo", "/改进 每月演练 @_user_1 截止=今天", [("ou_ops", "王运营")])
    group.at(group.clock.now + timedelta(minutes=10))
    [due] = [t for t in group.texts() if "今天到期" in t]
    assert LATE not in due


def test_deadlines_already_past_at_a_backdated_start_are_not_called_late(group):
    group.say("ou_ceo", "/危机 开启 面霜过敏 开始=09:00")  # three hours ago: first_response (2 h) is past
    group.at(group.clock.now + timedelta(minutes=1))
    assert wait_until(group.idle)
    passed = [t for t in group.texts() if "已超时" in t or "已到截止时间" in t]
    assert passed, group.texts()
    assert not any(LATE in t for t in group.texts())
