"""A milestone crossed before anything was recorded says so (issue 12, item 6): when the first 话题阅读 recorded is
already 520万, the report does not claim 1万, 10万 and 100万 were “first reached” at that minute."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.models import OutboxMessage
from tests.retro.scripted import RetroGroup


def test_thresholds_passed_before_the_first_sample_read_as_already_passed(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("09:27", "话题阅读量520万了")
    group.at("11:00", "话题阅读量破1200万")
    group.at("12:00", "/结束", who="ou_ceo")
    doc = group.retro()
    firsts = {m["threshold"]: m["at_first_sample"] for m in doc["propagation"]["milestones"]}
    assert firsts == {10000: True, 100000: True, 1000000: True, 10000000: False}
    group.at("12:05", "/复盘", who="ou_ceo")
    with Session(group.engine) as session:
        report = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "file")).all()[-1]
    table = report.content.decode("utf-8").partition("### 传播量级节点")[2].partition("###")[0]
    rows = [line for line in table.splitlines() if line.startswith("| 话题阅读")]
    assert len(rows) == 4
    assert all("首次记录时（" in row and "已超过" in row for row in rows[:3]), rows
    assert "已超过" not in rows[3] and "11:00" in rows[3]
