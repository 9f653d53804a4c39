"""Metric names, platforms and readings found in the group's chat (“话题阅读量破620万”): nothing that
would need a guess."""

from __future__ import annotations

import pytest

from bot.library.lexicon import load
from bot.timeline.readings import Reading, extract
from bot.timeline.vocabulary import parse_metric_name, parse_platform
from tests.support import BUNDLED_PLAYBOOKS

LEXICON = load(BUNDLED_PLAYBOOKS)


def readings(text: str) -> list[tuple[str, float, str]]:
    return [(r.metric, r.value, r.platform) for r in extract(text, LEXICON)]


# --- names and platforms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "metric"),
    [
        ("topic_reads", "topic_reads"),
        ("话题阅读量", "topic_reads"),
        ("阅读量", "topic_reads"),
        ("笔记曝光", "note_exposure"),
        ("转发", "reposts"),
        ("负面占比", "negative_ratio"),
        ("投诉量", "complaints"),
        ("销量变化", "sales_change"),
        ("掉粉", "followers_lost"),
        (" Likes ", "likes"),
        ("心情", None),
        ("", None),
    ],
)
def test_metric_names_by_id_or_chinese_alias(raw, metric):
    assert parse_metric_name(raw, LEXICON) == metric


@pytest.mark.parametrize(
    ("raw", "platform"),
    [
        ("小红书", "xhs"),
        ("xhs", "xhs"),
        ("微博", "weibo"),
        ("Weibo", "weibo"),
        ("抖音", "douyin"),
        ("媒体", "media"),
        ("知乎", None),
    ],
)
def test_platforms_by_id_or_alias(raw, platform):
    assert parse_platform(raw, LEXICON) == platform


# --- extract ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("话题阅读量破620万", ("topic_reads", 6_200_000.0, "xhs")),
        ("话题阅读量突破1.2亿了", ("topic_reads", 120_000_000.0, "xhs")),
        ("负面评论占比升至65%", ("negative_ratio", 0.65, "xhs")),
        ("投诉量230", ("complaints", 230.0, "xhs")),
        ("投诉量 1,234 条", ("complaints", 1234.0, "xhs")),
        ("掉粉1.2万", ("followers_lost", 12_000.0, "xhs")),
        ("取关3千", ("followers_lost", 3000.0, "xhs")),
        ("微博转发超过3万了", ("reposts", 30_000.0, "weibo")),
        ("抖音那边转发2.3万", ("reposts", 23_000.0, "douyin")),
        ("转发6.2w", ("reposts", 62_000.0, "xhs")),
        ("阅读量：1.2亿", ("topic_reads", 120_000_000.0, "xhs")),
        ("评论数已经达到5千", ("comments", 5000.0, "xhs")),
        ("阅读量近100万", ("topic_reads", 1_000_000.0, "xhs")),
        ("阅读量约620万", ("topic_reads", 6_200_000.0, "xhs")),
        ("投诉累计230", ("complaints", 230.0, "xhs")),
        ("负面占比为0.65", ("negative_ratio", 0.65, "xhs")),
        ("负面占比回落到30%", ("negative_ratio", 0.3, "xhs")),
        ("负面占比从30%涨到65%", ("negative_ratio", 0.65, "xhs")),
        ("KOL转发后负面评论占比从30%升至65%", ("negative_ratio", 0.65, "xhs")),
        ("联动博主实测后，负面评论占比从65%降至30%", ("negative_ratio", 0.3, "xhs")),
        ("负面占比30%→65%", ("negative_ratio", 0.65, "xhs")),
        ("话题阅读从300万到620万", ("topic_reads", 6_200_000.0, "xhs")),
        ("负面占比从30%到65%", ("negative_ratio", 0.65, "xhs")),
        ("11:30 阅读量破620万", ("topic_reads", 6_200_000.0, "xhs")),  # a time before the name is not the value
        ("阅读量620万（11:30）", ("topic_reads", 6_200_000.0, "xhs")),
        ("转发了3万次", ("reposts", 30_000.0, "xhs")),
        ("话题阅读六百二十万", ("topic_reads", 6_200_000.0, "xhs")),
        ("掉粉两万", ("followers_lost", 20_000.0, "xhs")),
        ("店铺销量下滑12%", ("sales_change", -0.12, "xhs")),
        ("销量环比下降了12%", ("sales_change", -0.12, "xhs")),
        ("销量变化-5%", ("sales_change", -0.05, "xhs")),
        ("销量上涨5%", ("sales_change", 0.05, "xhs")),
        ("媒体报道后阅读量达到1000万", ("topic_reads", 10_000_000.0, "media")),
        ("笔记曝光１２００万", ("note_exposure", 12_000_000.0, "xhs")),  # full-width digits
    ],
)
def test_one_reading_from_a_chat_message(text, expected):
    assert readings(text) == [expected]


def test_several_readings_from_one_message_with_platform_per_clause():
    text = "媒体报道后阅读量达到1000万，抖音转发3万；微博热搜评论5千，投诉量230，负面占比从30%涨到65%"
    assert readings(text) == [
        ("topic_reads", 10_000_000.0, "media"),
        ("reposts", 30_000.0, "douyin"),
        ("comments", 5000.0, "weibo"),
        ("complaints", 230.0, "xhs"),
        ("negative_ratio", 0.65, "xhs"),
    ]


def test_readings_in_one_clause_share_the_nearest_platform_before_each():
    assert readings("小红书笔记曝光1200万，点赞8.6万") == [
        ("note_exposure", 12_000_000.0, "xhs"),
        ("likes", 86_000.0, "xhs"),
    ]
    assert readings("微博转发3万、评论2万") == [("reposts", 30_000.0, "weibo"), ("comments", 20_000.0, "weibo")]
    assert readings("曝光1200万点赞8.6万") == [("note_exposure", 12_000_000.0, "xhs"), ("likes", 86_000.0, "xhs")]
    assert readings("微博转发3万抖音点赞2万") == [("reposts", 30_000.0, "weibo"), ("likes", 20_000.0, "douyin")]


def test_a_reading_spans_from_the_name_to_the_value():
    text = "早上 微博转发超过3万了"
    [reading] = extract(text, LEXICON)
    assert reading == Reading("reposts", 30_000.0, "weibo", (5, 11))
    assert text[slice(*reading.span)] == "转发超过3万"
    text = "KOL转发后负面评论占比从30%升至65%！"
    [reading] = extract(text, LEXICON)
    assert text[slice(*reading.span)] == "负面评论占比从30%升至65%"


@pytest.mark.parametrize(
    "text",
    [
        "阅读量涨得很快",  # a metric word with no number
        "大概三百多",  # a number with no metric word
        "阅读量几万",  # vague quantities
        "阅读量上万",
        "阅读量十几万",
        "评论三百多",
        "评论300多条",
        "投诉200余起",
        "阅读量近百万",
        "阅读量10万+",
        "阅读量100万以上",
        "阅读量3到5万",  # ranges
        "阅读量3-5万",
        "阅读量三四千",
        "阅读量从3到5万",  # 从 with a bare 到 and mismatched units reads as a range too
        "阅读量从3万到5万不等",
        "阅读量11:30破百万",  # times and dates
        "阅读量11月24日破620万",
        "阅读量2024-11-24更新",
        "点赞30%",  # a percentage not tied to a ratio metric
        "有30%的人转发",
        "阅读量涨了30%",
        "投诉3天内退款",  # a number that belongs to another word
        "评论里说3天内可申请全额退款",
        "投诉处理要2小时",
        "阅读量涨了3倍",
        "阅读量涨了3万",  # a change (rose BY), not a level
        "阅读量11.24破620万",  # two candidate numbers
        "阅读量破620万 700万",
        "阅读量一万二",  # colloquial Chinese numeral
        "负面占比65",  # a bare number for a ratio in free text
        "负面占比升了5个点",
        "负面评论230条",  # a qualified name: not the comment total
        "新增投诉30",
        "销量30%",  # a change without a direction
        "销量降至60%",  # a level, not a change
        "销量1200单",
        "负面占比150%",  # impossible ratio
        "掉粉-3000",
        "投诉：400-820-8820",  # a phone number
        "转发给3个群",
        "评论已回复120条",
        "曝光量破千万",  # 千万 with no digit: an order of magnitude, not a number
    ],
)
def test_ambiguous_text_gives_no_reading(text):
    assert extract(text, LEXICON) == []
