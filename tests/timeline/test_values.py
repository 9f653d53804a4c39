"""Metric values typed by people (“1200万”, “1.2亿”, “65%”): read, refused with a reason, and shown back
the way people write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.library.lexicon import load
from bot.timeline.readings import extract
from bot.timeline.values import ValueProblem, format_value, parse_metric_value, parse_value
from tests.support import BUNDLED_PLAYBOOKS

LEXICON = load(BUNDLED_PLAYBOOKS)

COUNT_METRICS = ["topic_reads", "note_exposure", "reposts", "likes", "comments", "complaints", "followers_lost"]


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


@pytest.mark.parametrize(
    ("raw", "kwargs", "message"),
    [
        ("", {}, "没有写数值：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"),
        ("10万+", {}, "“10万+”是约数，不能记为数据：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"),
        ("3到5万", {}, "“3到5万”里不止一个数，只写一个：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"),
        (
            "3万千",
            {"ratio": True},
            "单位“万千”不能这样组合（可以写 千万、百万、万亿）：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数",
        ),
        ("150%", {"ratio": True}, "比例不能超过 100%（“150%”）：请写成 65% 或 0.65 这样的比例"),
        ("3万", {"ratio": True}, "比例不带“万”这样的单位：请写成 65% 或 0.65 这样的比例"),
        ("-3", {}, "“-3”不能是负数（只有销量变化可以为负）：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"),
        (
            "上涨-3%",
            {"ratio": True, "signed": True},
            "“上涨-3%”的涨跌方向自相矛盾：请写成 -3%、下降3% 或 +5% 这样的变化",
        ),
        ("abc", {}, "看不懂数值“abc”：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"),
        ("三百五", {}, "“三百五”写法有歧义（请用阿拉伯数字）：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"),
        ("万千", {"ratio": True}, "单位“万千”不能这样组合（可以写 千万、百万、万亿）：请写成 65% 或 0.65 这样的比例"),
    ],
)
def test_problem_messages_word_for_word(raw, kwargs, message):
    with pytest.raises(ValueProblem) as caught:
        parse_value(raw, **kwargs)
    assert str(caught.value) == message


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
