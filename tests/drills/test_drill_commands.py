"""The /演练 commands around a run: bad input gets one Chinese reply and changes nothing, a second drill or a
drill during a real incident is refused, the list names the scenarios, and /演练 设置 sets the group's monthly
reminder."""

from __future__ import annotations

import pytest

from bot.followups.models import GroupSchedule
from tests.drills.drill_group import T0, domain_counts, reply_text, rows


@pytest.mark.parametrize(
    "command, needle",
    [
        ("/演练 开始 产品召回 速度=10", "没有“产品召回”这个演练场景。可用：测试瑕疵（lotion_test）"),
        ("/演练 开始 测试瑕疵 速度=0", "速度“0”不对"),
        ("/演练 开始 测试瑕疵 速度=61", "速度“61”不对"),
        ("/drill start lotion_test speed=快", "速度“快”不对"),
        ("/演练 开始", "用法：/演练 开始"),
        ("/演练 开始 测试瑕疵 节奏=10", "不认识参数 节奏="),
        ("/演练 结束", "没有进行中的演练"),
    ],
)
def test_bad_drill_commands_get_one_chinese_reply_and_change_nothing(group, command, needle):
    before = domain_counts(group.db_url)
    [reply] = group.say("ou_ceo", command)
    assert needle in reply_text(reply)
    assert domain_counts(group.db_url) == before


def test_a_second_drill_or_a_drill_during_a_real_incident_is_refused(group):
    group.say("ou_ceo", "/演练 开始 测试瑕疵 速度=10")
    group.at(T0)
    before = domain_counts(group.db_url)
    [reply] = group.say("ou_ceo", "/演练 开始 测试瑕疵")
    assert "已有进行中的演练" in reply_text(reply) and "【演练】测试瑕疵" in reply_text(reply)
    assert domain_counts(group.db_url) == before

    group.say("ou_ceo", "/演练 结束")
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    group.at(T0)  # the new incident's role cards
    before = domain_counts(group.db_url)
    [reply] = group.say("ou_ceo", "/演练 开始 测试瑕疵")
    assert "真实事件" in reply_text(reply) and "面霜过敏笔记" in reply_text(reply)
    assert domain_counts(group.db_url) == before


def test_drill_list_names_the_scenarios(group):
    [reply] = group.say("ou_ops", "/演练 列表")
    assert "测试瑕疵（lotion_test）" in reply_text(reply) and "5 条情报" in reply_text(reply)


def test_drill_schedule_sets_the_monthly_reminder_of_the_group(group):
    [reply] = group.say("ou_ceo", "/演练 设置 日=20 时间=15:00")
    assert "每月 20 日 15:00" in reply_text(reply) and "2026-12-21 15:00" in reply_text(reply)  # the 20th is a Sunday
    [row] = rows(group.db_url, GroupSchedule)
    assert (row.drill_day, row.drill_time) == (20, "15:00")
    [reply] = group.say("ou_ceo", "/演练 设置 日=31")
    assert "用法：/演练 设置" in reply_text(reply)
    [row] = rows(group.db_url, GroupSchedule)
    assert row.drill_day == 20
    [reply] = group.say("ou_ceo", "/演练 设置 关闭")
    assert "已关闭" in reply_text(reply) and rows(group.db_url, GroupSchedule)[0].drill_day == 0
