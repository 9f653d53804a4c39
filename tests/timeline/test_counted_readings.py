"""Counts said noun-last are readings (issue 12, item 6): “收到23个用户私信说过敏，投诉量还在涨” is a complaint count
of 23, not a plain note; a vague or borrowed number gives no reading."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.library.lexicon import load
from bot.timeline.models import MetricSample, TimelineEntry
from bot.timeline.readings import extract
from tests.support import BUNDLED_PLAYBOOKS


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("收到23个用户私信说过敏，投诉量还在涨", 23),
        ("今天已经接到15起投诉了", 15),
        ("客服那边一共收到120条售后反馈", 120),
        ("目前有三十位宝妈私信说奶瓶有异味", 30),
    ],
)
def test_a_count_said_noun_last_is_a_complaint_reading(text, value):
    [reading] = extract(text, load(BUNDLED_PLAYBOOKS))
    assert (reading.metric, reading.value) == ("complaints", value)


@pytest.mark.parametrize(
    "text",
    [
        "收到20多个私信",  # vague
        "收到3天内的私信要优先回",  # the number is a duration
        "收到23个赞",  # not a complaint noun
        "有23个用户在评论区说好用",  # no complaint noun
    ],
)
def test_a_vague_or_borrowed_number_is_no_complaint_reading(text):
    assert [r for r in extract(text, load(BUNDLED_PLAYBOOKS)) if r.metric == "complaints"] == []


def test_a_count_said_by_its_name_wins_over_a_noun_last_one():
    readings = extract("投诉量230，今天新收到23个用户私信", load(BUNDLED_PLAYBOOKS))
    assert [(r.metric, r.value) for r in readings] == [("complaints", 230)]


def test_the_group_message_is_logged_as_a_complaint_count(chat):
    chat.say("/危机 开启 面霜过敏")
    chat.say("收到23个用户私信说过敏，投诉量还在涨", minutes=20)
    with Session(chat.engine) as session:
        samples = session.exec(select(MetricSample)).all()
        entry = session.exec(select(TimelineEntry).where(TimelineEntry.text.contains("23个用户"))).one()
    assert [(s.metric, s.value) for s in samples] == [("complaints", 23)]
    assert entry.kind == "metric"
