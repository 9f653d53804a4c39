"""A retro never says “no losses” when there obviously are some (issue 12, item 1): no response after its deadline
is a loss, a negative share still above the 20% alert line is a loss, and an incident closed before any deadline
says so — no verdict — instead of “没有发现明显失分”."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.core.models import OutboxMessage
from tests.retro.scripted import RetroGroup, validate


def losses(doc: dict) -> dict[str, dict]:
    return {f["code"]: f for f in doc["findings"] if f["kind"] == "loss"}


def retro_card_and_report(group: RetroGroup, clock: str) -> tuple[str, str]:
    group.at(clock, "/复盘", who="ou_ceo")
    card = next(s for s in reversed(group.sent()) if s.card and "关键指标" in s.text)
    with Session(group.engine) as session:
        report = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "file")).all()[-1]
    return card.text, report.content.decode("utf-8")


def test_the_repro_nobody_responded_and_negative_share_at_45_percent_is_not_no_losses(group: RetroGroup):
    group.at("09:20", "/危机 开启 博主说我们面膜宣传的补水效果是假的", who="ou_ceo")
    group.at("09:20", "/数据 负面占比 0.4")
    group.at("09:21", "评论区负面占比升至45%，好多人在骂")
    group.at("09:22", "/结束", who="ou_ceo")
    doc = group.retro()
    validate(doc)
    found = losses(doc)
    alert = found["negative_above_alert"]
    assert "45%" in alert["text"] and "20%" in alert["text"]
    assert "first_response_missing" not in found  # its deadline (2 hours) had not passed at the close
    assert "暂不评判" in doc["verdict_pending"]  # ... which the report says, beside the loss
    card, report = retro_card_and_report(group, "09:30")
    assert "没有发现明显失分" not in card
    assert "45%" in card and "预警线" in card and "暂不评判" in card
    assert "暂未识别到失分环节" not in report.partition("### 失")[2].partition("## ")[0]


def test_no_response_past_its_deadline_is_a_loss_that_names_the_deadline(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("09:30", "/数据 负面占比 0.15")
    group.at("12:00", "/结束", who="ou_ceo")  # 2 hours for the first response at level 2: missed
    doc = group.retro()
    found = losses(doc)
    missing = found["first_response_missing"]
    assert "2小时" in missing["text"]
    assert "11:00" in missing["evidence"]  # the deadline, as a time of day
    assert "negative_above_alert" not in found  # 15% is under the alert line
    # The step it stands for is not listed a second time as a missed step.
    assert [f for f in doc["findings"] if f["code"] == "step_missed" and "first_response" in f["evidence"]] == []
    card, _ = retro_card_and_report(group, "12:05")
    assert "没有对外回应" in card and "没有发现明显失分" not in card


def test_closed_before_any_deadline_gives_no_verdict_instead_of_no_losses(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("09:05", "/结束", who="ou_ceo")
    doc = group.retro()
    assert losses(doc) == {}
    assert doc["verdict_pending"] and "暂不评判" in doc["verdict_pending"]
    assert "11:00" in doc["verdict_pending"]  # the first deadline it was closed before
    assert doc["verdict_pending"].startswith("结案时")
    validate(doc)
    card, report = retro_card_and_report(group, "09:10")
    assert "暂不评判" in card and "没有发现明显失分" not in card
    assert "暂不评判" in report.partition("### 失")[2]


def doc_day(group: RetroGroup) -> str:
    """The incident's day (local), as the scripted group started it."""
    return group.retro()["incident"]["started_at"][:10]


def test_an_open_incident_before_any_deadline_is_judged_as_of_now_not_at_a_close(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    doc = group.retro(now=datetime.fromisoformat(doc_day(group) + "T09:10:00+08:00"))
    assert doc["incident"]["closed_at"] is None
    assert doc["verdict_pending"].startswith("截至") and "结案" not in doc["verdict_pending"]


def test_a_judged_incident_has_no_pending_verdict(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("09:30", "/声明 初步 真的很抱歉，这批面霜结块是我们的问题，已经私信你登记批次，3天内可以申请全额退款。")
    group.at("12:00", "/结束", who="ou_ceo")
    doc = group.retro()
    assert doc["verdict_pending"] is None
    assert "first_response_in_time" in {f["code"] for f in doc["findings"] if f["kind"] == "gain"}
