"""The retro JSON of an open incident (an interim retro), the latest incident of a chat, and the conventions of
the JSON's values (minutes, the next quarterly review)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.incidents.models import Incident
from bot.retro import compute as retro
from bot.timeline import samples
from bot.timeline import service as timeline
from tests.retro.scripted import codes, iso, steps_of, t, validate
from tests.support import SH

# --- service lag, still open: an interim retro; a recalled statement; a KOL action that did not help ---------------


def test_interim_retro_of_an_open_incident(group):
    group.at("10:00", "/危机 开启 客服已读不回退款拖延被用户挂出 类型=service_lag 级别=1", who="ou_ceo")
    group.at("10:20", "负面评论占比40%")
    recalled = group.at("10:30", "【初步回应】我们正在核实。")
    group.at("10:50", "【初步回应】让大家久等了，真的很抱歉。退款申请今天内全部处理完，私信专属客服即可加急。")
    group.at("11:00", "已约2位博主发布体验澄清", who="ou_mkt")
    group.at("11:30", "负面评论占比48%")
    with Session(group.engine) as session:
        timeline.mark_recalled(session, recalled)  # as the recall event does
        incident = session.get(Incident, 1)
        samples.record(
            session, incident, metric="negative_ratio", value=0.7, platform="xhs", at=t("11:45"), source="import"
        )  # from imported comments
        session.commit()
    doc = group.retro(now=t("12:00"))
    validate(doc)

    assert doc["incident"]["closed_at"] is None and doc["incident"]["level"] == 1
    # The recalled 10:30 statement is left out: the first response is 10:50 − 10:00 = 50.
    assert doc["kpis"] == {
        "first_response_minutes": 50,
        "formal_statement_minutes": None,
        "statement_has_remedy": False,
        "peak_negative_ratio": 0.7,
        "peak_topic_reads": None,
        "steps_met": 1,
        "steps_total": 3,  # due by 12:00: first_response (met), cs_channel and lead_briefing (11:00, missed)
    }
    assert "【初步回应】我们正在核实。" not in [e["text"] for e in doc["timeline"]]
    # first_response was completed by the (later recalled) statement at 10:30: the step row is kept as recorded.
    assert steps_of(doc) == [
        ("first_response", "ops", ["ou_ops"], iso("11:00"), iso("10:30"), True),
        ("cs_channel", "support", ["ou_cs"], iso("11:00"), None, False),
        ("lead_briefing", "ops", ["ou_ops"], iso("11:00"), None, False),
        ("formal_statement", "marketing", ["ou_mkt"], iso("14:00"), None, False),
        ("segment_reply", "ops", ["ou_ops"], iso("16:00"), None, False),
        ("cs_backlog", "support", ["ou_cs"], iso("10:00", day=25), None, False),
        ("feedback_entry", "ops", ["ou_ops"], iso("10:00", day=25), None, False),
    ]
    assert doc["propagation"]["negative_ratio"] == [
        {"at": iso("10:20"), "value": 0.4, "source": "message"},
        {"at": iso("11:30"), "value": 0.48, "source": "message"},
        {"at": iso("11:45"), "value": 0.7, "source": "import"},
    ]
    # 48 % → 70 % (+22 points) with no spread entry between 11:30 and 11:45: no trigger.
    assert doc["escalations"] == [{"at": iso("11:45"), "from": 0.48, "to": 0.7, "trigger": None}]
    assert doc["propagation"]["milestones"] == [] and doc["propagation"]["platforms"] == []
    assert codes(doc, "gain") == ["first_response_in_time"]
    # the latest share is above the 20% alert line while the incident is still open
    assert codes(doc, "loss") == ["negative_above_alert", "kol_clarify_effect", "step_missed", "step_missed"]
    assert [f["evidence"].split("：")[0] for f in doc["findings"] if f["code"] == "step_missed"] == [
        "cs_channel",
        "lead_briefing",
    ]
    kol = next(f for f in doc["findings"] if f["code"] == "kol_clarify_effect")
    assert kol["evidence"] == "10:20 40% → 11:00 已约2位博主发布体验澄清 → 11:30 48%"
    assert doc["next_review_at"] == "2027-01-04T10:00:00+08:00"


def test_latest_for_chat_is_the_most_recent_incident(group):
    group.at("09:00", "/危机 开启 第一起", who="ou_ceo")
    group.at("09:30", "/结束", who="ou_ceo")
    group.at("10:00", "/危机 开启 第二起", who="ou_ceo")
    with Session(group.engine) as session:
        assert retro.latest_for_chat(session, group.chat_id).title == "第二起"
        assert retro.latest_for_chat(session, "oc_other") is None


# --- conventions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"), [(55 * 60, 55), (55 * 60 + 1, 55), (55 * 60 + 30, 55.5), (270 * 60 + 0.25, 270), (0, 0)]
)
def test_durations_are_whole_minutes_as_ints_else_one_decimal(seconds, expected):
    start = datetime(2026, 11, 24, 1, 10, tzinfo=UTC)
    value = retro.minutes_between(start, start + timedelta(seconds=seconds))
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 24, 18, 0), datetime(2027, 1, 4, 10, 0)),  # New Year's Day, then a weekend
        (datetime(2026, 3, 31, 23, 59), datetime(2026, 4, 1, 10, 0)),
        (datetime(2026, 4, 1, 0, 0), datetime(2026, 7, 1, 10, 0)),
        (datetime(2026, 9, 30, 12, 0), datetime(2026, 10, 8, 10, 0)),  # after the National Day holiday
    ],
)
def test_next_review_is_the_next_quarters_first_working_day_at_ten(local, expected):
    assert retro.next_review(local.replace(tzinfo=SH), SH) == expected.replace(tzinfo=SH)


def test_next_review_follows_the_bots_zone_not_utc():
    # 2026-03-31 17:00 UTC is already 1 April 01:00 in Shanghai: the quarter after Q2.
    assert retro.next_review(datetime(2026, 3, 31, 17, 0, tzinfo=UTC), SH).isoformat() == "2026-07-01T10:00:00+08:00"
