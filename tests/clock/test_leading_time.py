"""A message that begins with a time (“09:10 …”, “11月24日 09:10 …”) is an event at that time: the latest
such moment not after the message, in local wall time (daylight saving included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock.format import format_local
from bot.clock.parse import LeadingTime, TimeProblem, leading_time, parse_since
from tests.support import SH

BERLIN = ZoneInfo("Europe/Berlin")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def lead(text: str, sent_at: datetime, tz: ZoneInfo = SH) -> LeadingTime | None:
    return leading_time(text, sent_at=sent_at, tz=tz)


# ------------------------------------------------------------------ leading_time: forms

SENT = sh(2026, 11, 24, 12, 0)


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("09:10 微博热搜第8", sh(2026, 11, 24, 9, 10), "微博热搜第8"),
        ("9:10 客服开始回复", sh(2026, 11, 24, 9, 10), "客服开始回复"),
        ("09：10 全角冒号", sh(2026, 11, 24, 9, 10), "全角冒号"),
        ("09:10:30 带秒", sh(2026, 11, 24, 9, 10, 30), "带秒"),
        ("０９：１０ 全角数字", sh(2026, 11, 24, 9, 10), "全角数字"),
        ("9点10分 开会", sh(2026, 11, 24, 9, 10), "开会"),
        ("9点5分 开会", sh(2026, 11, 24, 9, 5), "开会"),
        ("9点10 开会", sh(2026, 11, 24, 9, 10), "开会"),
        ("9点半 开会", sh(2026, 11, 24, 9, 30), "开会"),
        ("10点整 开会", sh(2026, 11, 24, 10, 0), "开会"),
        ("9时10分 开会", sh(2026, 11, 24, 9, 10), "开会"),
        ("上午9点 开会", sh(2026, 11, 24, 9, 0), "开会"),
        ("凌晨1点半 首条笔记", sh(2026, 11, 24, 1, 30), "首条笔记"),
        ("中午12点 午会", sh(2026, 11, 24, 12, 0), "午会"),
        ("11月24日 09:10 话题阅读破百万", sh(2026, 11, 24, 9, 10), "话题阅读破百万"),
        ("11月24号09:10 紧贴", sh(2026, 11, 24, 9, 10), "紧贴"),
        ("11 月 24 日 9:10 带空格", sh(2026, 11, 24, 9, 10), "带空格"),
        ("11-24 09:10 横线", sh(2026, 11, 24, 9, 10), "横线"),
        ("11/24 09:10 斜线", sh(2026, 11, 24, 9, 10), "斜线"),
        ("2026-11-24 09:10 完整日期", sh(2026, 11, 24, 9, 10), "完整日期"),
        ("2026/11/24 09:10 斜线年", sh(2026, 11, 24, 9, 10), "斜线年"),
        ("2026-11-24T09:10 ISO", sh(2026, 11, 24, 9, 10), "ISO"),
        ("2026年11月24日 9点10分 中文年", sh(2026, 11, 24, 9, 10), "中文年"),
        ("11月24日 3点 日期使整点成立", sh(2026, 11, 24, 3, 0), "日期使整点成立"),
        ("今天 08:00 早会", sh(2026, 11, 24, 8, 0), "早会"),
        ("昨天 23:50 第一条差评", sh(2026, 11, 23, 23, 50), "第一条差评"),
        ("昨日23:50 紧贴", sh(2026, 11, 23, 23, 50), "紧贴"),
        ("前天 10:00 苗头", sh(2026, 11, 22, 10, 0), "苗头"),
        ("昨天晚上11点 上热搜", sh(2026, 11, 23, 23, 0), "上热搜"),
    ],
)
def test_leading_time_forms(text, expected, rest):
    found = lead(text, SENT)
    assert found is not None
    assert found.at == expected
    assert found.at.tzinfo is not None and found.at.utcoffset() == timedelta(0)
    assert found.rest == rest


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("09:10开始直播", "开始直播"),  # a CJK character right after the time is fine
        ("09:10，微博出现转载", "微博出现转载"),
        ("09:10, 英文逗号", "英文逗号"),
        ("09:10：冒号", "冒号"),
        ("09:10 - 短横", "短横"),
        ("09:10——破折号", "破折号"),
        ("09:10 【初步回应】非常抱歉", "【初步回应】非常抱歉"),
        ("   09:10   前后空白   ", "前后空白"),
        ("09:10", ""),
        ("09:10\n第二行", "第二行"),
        ("09:10-09:30 直播回应", "09:30 直播回应"),
    ],
)
def test_leading_time_separators_and_rest(text, rest):
    found = lead(text, SENT)
    assert found is not None and found.at == sh(2026, 11, 24, 9, 10)
    assert found.rest == rest


@pytest.mark.parametrize(
    "text",
    [
        "09:105 不是时间",
        "3:2比分",  # minutes need two digits
        "9:10am",
        "9:10.5",
        "3点建议：先道歉",  # a bare "N点" is a count, not a time
        "3点 原因",
        "9点5 不完整",
        "25:00 不存在",
        "09:60 不存在",
        "2月30日 10:00 不存在",
        "13月1日 10:00 不存在",
        "2026-02-29 10:00 非闰年",
        "上午15点 矛盾",
        "晚上12点 哪一个午夜",
        "说 09:10 的事",  # not at the start
        "1200万阅读",
        "",
        "【初步回应】非常抱歉",
        "2026-11-24 只有日期",
    ],
)
def test_not_a_leading_time(text):
    assert lead(text, SENT) is None


# ------------------------------------------------------------------ leading_time: the rule


def test_time_after_the_message_means_yesterday_across_midnight():
    found = lead("23:50 第一篇差评笔记", sh(2026, 11, 24, 0, 20))
    assert found is not None and found.at == sh(2026, 11, 23, 23, 50)


def test_time_equal_to_the_message_is_today():
    found = lead("09:10 声明发出", sh(2026, 11, 24, 9, 10, 0))
    assert found is not None and found.at == sh(2026, 11, 24, 9, 10)


def test_time_beyond_the_clock_grace_is_yesterday():
    found = lead("09:16 声明发出", sh(2026, 11, 24, 9, 10, 59))
    assert found is not None and found.at == sh(2026, 11, 23, 9, 16)


def test_across_new_year():
    assert lead("23:50 x", sh(2027, 1, 1, 0, 10)).at == sh(2026, 12, 31, 23, 50)
    assert lead("12-31 23:50 x", sh(2027, 1, 1, 0, 10)).at == sh(2026, 12, 31, 23, 50)
    assert lead("昨天 23:50 x", sh(2027, 1, 1, 0, 10)).at == sh(2026, 12, 31, 23, 50)


def test_month_day_later_in_the_year_than_the_message_is_last_year():
    found = lead("11月24日 09:10 起点", sh(2027, 1, 2, 10, 0))
    assert found is not None and found.at == sh(2026, 11, 24, 9, 10)


def test_month_day_later_the_same_day_is_last_year():
    found = lead("11-24 10:00 x", sh(2026, 11, 24, 9, 0))
    assert found is not None and found.at == sh(2025, 11, 24, 10, 0)


@pytest.mark.parametrize("text", ["2026-11-25 09:10 未来", "2027/01/01 00:00 未来", "今天 13:00 还没到"])
def test_full_date_in_the_future_is_not_a_leading_time(text):
    assert lead(text, SENT) is None


def test_leap_day():
    assert lead("2月29日 10:00 x", sh(2028, 3, 1, 9, 0)).at == sh(2028, 2, 29, 10, 0)
    assert lead("2月29日 10:00 x", sh(2029, 1, 5, 9, 0)).at == sh(2028, 2, 29, 10, 0)
    assert lead("2028-02-29 10:00 x", sh(2028, 3, 1, 9, 0)).at == sh(2028, 2, 29, 10, 0)
    # 2027 and 2026 have no 29 February: no such moment in the last year
    assert lead("2月29日 10:00 x", sh(2027, 3, 1, 9, 0)) is None
    # "23:50" sent just after a leap day's midnight
    assert lead("23:50 x", sh(2028, 3, 1, 0, 5)).at == sh(2028, 2, 29, 23, 50)


def test_time_is_read_in_the_given_zone():
    sent = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, 05:00 in Berlin
    assert lead("09:10 x", sent, SH).at == datetime(2026, 11, 24, 1, 10, tzinfo=UTC)
    assert lead("09:10 x", sent, BERLIN).at == datetime(2026, 11, 23, 8, 10, tzinfo=UTC)


def test_naive_datetimes_are_utc_as_the_database_returns_them():
    naive_sent = datetime(2026, 11, 24, 4, 0)  # 12:00 in Shanghai
    assert lead("09:10 x", naive_sent).at == sh(2026, 11, 24, 9, 10)
    assert format_local(datetime(2026, 11, 24, 1, 10), SH, now=naive_sent) == "09:10"
    assert parse_since("09:10", now=naive_sent, tz=SH) == sh(2026, 11, 24, 9, 10)


# ------------------------------------------------------------------ DST (Europe/Berlin)


def test_yesterday_across_spring_forward_is_in_local_wall_time():
    # Berlin moved from CET (+1) to CEST (+2) at 02:00 on 2026-03-29.
    sent = datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)
    found = lead("23:50 x", sent, BERLIN)
    assert found.at == datetime(2026, 3, 28, 22, 50, tzinfo=UTC)  # 23:50 CET, not 21:50 UTC
    assert found.at.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 28, 23, 50)


def test_yesterday_across_fall_back_is_in_local_wall_time():
    # Berlin moved from CEST (+2) to CET (+1) at 03:00 on 2026-10-25.
    sent = datetime(2026, 10, 25, 8, 0, tzinfo=BERLIN)
    found = lead("23:50 x", sent, BERLIN)
    assert found.at == datetime(2026, 10, 24, 21, 50, tzinfo=UTC)  # 23:50 CEST


def test_wall_time_skipped_by_spring_forward_goes_to_the_day_before():
    sent = datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)
    found = lead("02:30 x", sent, BERLIN)
    assert found.at == datetime(2026, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 CET the day before
    assert lead("2026-03-29 02:30 x", sent, BERLIN) is None


def test_repeated_wall_time_at_fall_back_takes_the_latest_not_after_the_message():
    # 02:30 happens twice on 2026-10-25: 00:30 UTC (CEST) and 01:30 UTC (CET).
    after_both = datetime(2026, 10, 25, 1, 45, tzinfo=UTC)
    between = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert lead("02:30 x", after_both, BERLIN).at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert lead("02:30 x", between, BERLIN).at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_since_in_berlin_across_spring_forward():
    now = datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)
    assert parse_since("23:50", now=now, tz=BERLIN) == datetime(2026, 3, 28, 22, 50, tzinfo=UTC)
    with pytest.raises(TimeProblem, match="不存在"):
        parse_since("2026-03-29 02:30", now=now, tz=BERLIN)


def test_a_time_just_after_the_message_is_a_fast_clock_not_yesterday():
    tz = SH
    sent = datetime(2026, 11, 24, 9, 10, 59, tzinfo=tz)
    lead = leading_time("09:11 博主发了第二篇", sent_at=sent, tz=tz)
    assert lead is not None and lead.at == sent.astimezone(UTC)
    far = leading_time("09:30 博主发了第二篇", sent_at=sent, tz=tz)
    assert far is not None and far.at == datetime(2026, 11, 23, 9, 30, tzinfo=tz).astimezone(UTC)
