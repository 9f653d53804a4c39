"""Reading metric values, names and platforms from the group's chat, and showing them back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.library.lexicon import load
from bot.timeline.numbers import (
    Reading,
    ValueProblem,
    extract,
    format_value,
    parse_metric_name,
    parse_metric_value,
    parse_platform,
    parse_value,
)
from tests.support import BUNDLED_PLAYBOOKS

LEXICON = load(BUNDLED_PLAYBOOKS)

COUNT_METRICS = ["topic_reads", "note_exposure", "reposts", "likes", "comments", "complaints", "followers_lost"]


def readings(text: str) -> list[tuple[str, float, str]]:
    return [(r.metric, r.value, r.platform) for r in extract(text, LEXICON)]


# --- parse_value ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1200万", 12_000_000.0),
        ("1.2亿", 120_000_000.0),
        ("3千", 3000.0),
        ("1,234", 1234.0),
        ("1,234,567.5", 1_234_567.5),
        ("6.2w", 62_000.0),
        ("6.2W", 62_000.0),
        ("2k", 2000.0),
        ("0.1万", 1000.0),
        ("1万亿", 1_000_000_000_000.0),
        ("3千万", 30_000_000.0),
        ("5百万", 5_000_000.0),
        ("230", 230.0),
        ("2.5", 2.5),
        ("1200 万", 12_000_000.0),
        (" 620万 ", 6_200_000.0),
        ("６２０万", 6_200_000.0),
        ("六百二十万", 6_200_000.0),
        ("两万", 20_000.0),
        ("三百零五", 305.0),
        ("一亿三千万", 130_000_000.0),
    ],
)
def test_counts_accept_units_commas_and_decimals(raw, expected):
    assert parse_value(raw) == expected


def test_decimal_arithmetic_leaves_no_float_noise():
    assert parse_value("1.2亿") == 120000000.0
    assert parse_value("0.1万") == 1000.0
    assert parse_value("1.15万") == 11500.0  # 1.15 * 10000 in floats is 11499.999999999998
    assert parse_value("0.07", ratio=True) == 0.07
    assert parse_value("0.3万") == 3000.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("65%", 0.65),
        ("65 %", 0.65),
        ("６５％", 0.65),
        ("32.5%", 0.325),
        ("0.65", 0.65),
        ("65", 0.65),  # a bare number above 1 and up to 100 is a percentage
        ("100%", 1.0),
        ("0", 0.0),
    ],
)
def test_ratios_become_fractions(raw, expected):
    assert parse_value(raw, ratio=True) == expected


def test_a_percent_sign_means_a_fraction_even_for_a_count():
    assert parse_value("65%") == 0.65


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("-3%", -0.03),
        ("−3%", -0.03),
        ("下降3%", -0.03),
        ("下滑 12%", -0.12),
        ("+5%", 0.05),
        ("上涨5%", 0.05),
        ("5%", 0.05),
    ],
)
def test_signed_changes_may_be_negative(raw, expected):
    assert parse_value(raw, ratio=True, signed=True) == expected


def test_parse_metric_value_applies_the_metrics_rules():
    assert parse_metric_value("negative_ratio", "65", LEXICON) == 0.65
    assert parse_metric_value("sales_change", "下降3%", LEXICON) == -0.03
    assert parse_metric_value("topic_reads", "620万", LEXICON) == 6_200_000.0
    with pytest.raises(ValueProblem):
        parse_metric_value("negative_ratio", "-3%", LEXICON)


@pytest.mark.parametrize(
    ("raw", "kwargs"),
    [
        ("", {}),
        ("   ", {}),
        ("abc", {}),
        ("很多", {}),
        ("1e5", {}),
        ("1.2.3", {}),
        ("1,23", {}),
        ("3万千", {}),  # units that do not compose
        ("万千", {}),
        ("3千万亿", {}),
        ("3到5万", {}),  # a range
        ("3-5万", {}),
        ("1万2千", {}),  # two numbers
        ("12 34", {}),
        ("10万+", {}),  # vague
        ("几万", {}),
        ("三百多", {}),
        ("约3万", {}),
        ("百万", {}),
        ("一万二", {}),  # colloquial: 12000 or 10002?
        ("三四千", {}),
        ("-3", {}),  # counts are never negative
        ("下降3%", {"ratio": True}),  # only signed ratios have a direction
        ("-3%", {"ratio": True}),
        ("150%", {"ratio": True}),  # above 100 %
        ("150", {"ratio": True}),
        ("101", {"ratio": True}),
        ("3万", {"ratio": True}),  # a ratio has no 万
        ("上涨-3%", {"ratio": True, "signed": True}),  # contradicts itself
    ],
)
def test_refused_values_raise_a_one_line_chinese_problem_with_an_example(raw, kwargs):
    with pytest.raises(ValueProblem) as caught:
        parse_value(raw, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert "请写成" in message
    assert any(example in message for example in ("1200万", "65%", "-3%"))


def test_problem_messages_say_what_was_wrong():
    def problem(raw, **kwargs):
        with pytest.raises(ValueProblem) as caught:
            parse_value(raw, **kwargs)
        return str(caught.value)

    assert "约数" in problem("10万+")
    assert "不止一个数" in problem("3到5万")
    assert "万千" in problem("3万千")
    assert "100%" in problem("150%", ratio=True)
    assert "负数" in problem("-3")
    assert "没有写数值" in problem("")
    assert "\n" not in problem("3万\n4")


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


# --- format_value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "shown"),
    [
        ("topic_reads", 120_000_000, "1.2亿"),
        ("topic_reads", 6_200_000, "620万"),
        ("likes", 12_500, "1.25万"),
        ("complaints", 230, "230"),
        ("complaints", 0, "0"),
        ("reposts", 10_000, "1万"),
        ("reposts", 99_999_999, "1亿"),  # rounds up into the next unit, never “10000万”
        ("reposts", 9_999, "9999"),
        ("followers_lost", 2.5, "2.5"),
        ("topic_reads", 1_000_000_000_000, "10000亿"),
        ("negative_ratio", 0.65, "65%"),
        ("negative_ratio", 0.325, "32.5%"),
        ("negative_ratio", 1 / 3, "33.333%"),
        ("negative_ratio", 0.0, "0%"),
        ("sales_change", -0.03, "-3%"),
        ("sales_change", 0.05, "+5%"),
        ("sales_change", 0.0, "0%"),
    ],
)
def test_values_are_shown_the_way_people_write_them(metric, value, shown):
    assert format_value(metric, value, LEXICON) == shown


def test_format_without_a_lexicon_knows_the_contract_ratios():
    assert format_value("negative_ratio", 0.2) == "20%"
    assert format_value("topic_reads", 5_000_000) == "500万"


# --- round trips (hypothesis) -----------------------------------------------------------------
#
# The display keeps 2 decimals of the unit it shows (1 below 1万, 100 in 万, 1,000,000 in 亿)
# and 3 decimals of a percent. Values on that grid round-trip exactly; any integer count
# round-trips to within half a step of what is shown.

EXACT_COUNTS = st.one_of(
    st.integers(0, 9_999),  # shown as is
    st.integers(100, 999_999).map(lambda k: k * 100),  # 1万 … 9999.99万, shown with 2 decimals of 万
    st.integers(100, 10_000).map(lambda k: k * 1_000_000),  # 1亿 … 100亿, shown with 2 decimals of 亿
)
PERCENT_THOUSANDTHS = st.integers(0, 100_000)  # k / 1000 percent, i.e. up to 3 decimals of a percent


def as_fraction(thousandths_of_percent: int) -> float:
    return float(Decimal(thousandths_of_percent) / 100_000)


@given(metric=st.sampled_from(COUNT_METRICS), value=EXACT_COUNTS)
def test_counts_on_the_display_grid_round_trip_exactly(metric, value):
    assert parse_value(format_value(metric, value, LEXICON)) == value


@given(value=st.integers(0, 10**10))
def test_any_count_round_trips_within_the_precision_shown(value):
    shown = format_value("topic_reads", value, LEXICON)
    back = parse_value(shown)
    step = 1_000_000 if shown.endswith("亿") else 100 if shown.endswith("万") else 1
    assert abs(back - value) <= step / 2
    assert format_value("topic_reads", back, LEXICON) == shown


@given(k=PERCENT_THOUSANDTHS)
def test_ratios_round_trip_exactly(k):
    value = as_fraction(k)
    assert parse_value(format_value("negative_ratio", value, LEXICON), ratio=True) == value


@given(k=st.integers(-100_000, 100_000))
def test_signed_changes_round_trip_exactly(k):
    value = as_fraction(k)
    shown = format_value("sales_change", value, LEXICON)
    assert parse_value(shown, ratio=True, signed=True) == value
    assert parse_metric_value("sales_change", shown, LEXICON) == value


@given(metric=st.sampled_from(COUNT_METRICS), value=EXACT_COUNTS)
def test_a_formatted_count_is_read_back_from_chat(metric, value):
    alias = LEXICON.metrics[metric][0]
    [reading] = extract(f"{alias}达到{format_value(metric, value, LEXICON)}了", LEXICON)
    assert (reading.metric, reading.value) == (metric, value)
