"""The retro card asks “请用 /根因 表层 … 记录，再发 /复盘 更新报告” after /结束: that must work on the closed incident
(it was refused with 本群当前没有进行中的危机事件)."""

from __future__ import annotations

from tests.retro.scripted import RetroGroup


def test_root_causes_can_be_recorded_after_the_close_and_reach_the_retro(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("12:00", "/结束", who="ou_ceo")
    card = next(s for s in reversed(group.sent()) if s.card and "根因还没记录" in s.text)
    assert "/根因 表层" in card.text
    group.at("12:10", "/根因 表层 博主晒出结块的面霜，评论区跟风", who="ou_ceo")
    group.at("12:11", "/根因 深层 灌装车间温控没有纳入质检流程", who="ou_ceo")
    replies = [s.text for s in group.sent()[-2:]]
    assert not any("没有进行中的危机事件" in text for text in replies), replies
    doc = group.retro()
    assert doc["root_causes"] == {
        "surface": ["博主晒出结块的面霜，评论区跟风"],
        "deep": ["灌装车间温控没有纳入质检流程"],
    }
