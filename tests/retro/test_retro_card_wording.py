"""The retro as a PR manager forwards it (issue 12, item 6 and names): numbers as people write them on the card
(860万, 2小时30分钟, 一级危机, 35%) and members by name in the report, never 8600000 or ou_ ids."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.core.models import OutboxMessage
from tests.retro.scripted import ROSTER, RetroGroup


def close_and_read(group: RetroGroup) -> tuple[str, str]:
    """(the retro card's text, the Markdown report) the bot sent at close."""
    group.at("09:20", "/危机 开启 面霜过敏被博主晒图 类型=product_defect 开始=09:10", who="ou_ceo")
    group.at("09:40", "话题阅读量破860万，负面评论占比35%")
    group.at("11:40", "/声明 初步 对不起大家，我们已经下架这批面霜，买到的朋友3天内可在订单页申请全额退款。")
    group.at("12:00", "/结束", who="ou_ceo")
    with Session(group.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    cards = [json.loads(r.payload)["card"] for r in rows if r.kind == "card"]
    card = next(c for c in reversed(cards) if c["title"].startswith("复盘"))
    report = [r.content.decode("utf-8") for r in rows if r.kind == "file"][-1]
    return json.dumps(card, ensure_ascii=False), report


def test_the_retro_card_writes_numbers_durations_and_the_level_as_people_do(group):
    card, _ = close_and_read(group)
    assert "话题阅读峰值：860万" in card and "8600000" not in card
    assert "首次回应：2小时30分钟" in card and "首次回应：150" not in card
    assert "负面占比峰值：35%" in card
    assert "最终级别：一级危机" in card


def test_the_report_names_the_owners_of_each_step(group):
    _, report = close_and_read(group)
    steps = report.partition("### 步骤执行")[2].partition("### ")[0]
    names = [name for _, name in ROSTER.values()]
    assert any(name in steps for name in names)
    assert "ou_" not in steps
