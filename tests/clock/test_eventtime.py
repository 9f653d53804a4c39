"""Times typed in the chat: a message's leading time, since=/at=, due=, and how times are shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock.parse import (
    LeadingTime,
    TimeProblem,
    format_duration,
    format_local,
    is_clock_word,
    is_date_word,
    leading_time,
    parse_date,
    parse_since,
)

SH = ZoneInfo("Asia/Shanghai")
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


# ------------------------------------------------------------------ parse_since

NOW = sh(2026, 11, 24, 9, 0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08:30", sh(2026, 11, 24, 8, 30)),
        ("8:30", sh(2026, 11, 24, 8, 30)),
        ("08：30", sh(2026, 11, 24, 8, 30)),
        ("10:00", sh(2026, 11, 23, 10, 0)),  # later than now: yesterday
        ("23:50", sh(2026, 11, 23, 23, 50)),
        ("2026-11-24 08:30", sh(2026, 11, 24, 8, 30)),
        ("2026-11-24T08:30", sh(2026, 11, 24, 8, 30)),
        ("2026/11/23 21:00", sh(2026, 11, 23, 21, 0)),
        ("11-23 21:00", sh(2026, 11, 23, 21, 0)),
        ("11月23日 21:00", sh(2026, 11, 23, 21, 0)),
        ("11月23号 21:00", sh(2026, 11, 23, 21, 0)),
        ("昨天 21:00", sh(2026, 11, 23, 21, 0)),
        ("  08:30  ", sh(2026, 11, 24, 8, 30)),
        ("8点半", sh(2026, 11, 24, 8, 30)),
        ("8点", sh(2026, 11, 24, 8, 0)),  # a bare hour is clear in since=
        ("昨天 下午3点", sh(2026, 11, 23, 15, 0)),
        ("2026-11-24T08:30:00+08:00", sh(2026, 11, 24, 8, 30)),
        ("2026-11-24T00:30:00Z", sh(2026, 11, 24, 8, 30)),
    ],
)
def test_since_forms(raw, expected):
    at = parse_since(raw, now=NOW, tz=SH)
    assert at == expected
    assert at.utcoffset() == timedelta(0)


def test_since_across_midnight():
    assert parse_since("23:50", now=sh(2026, 11, 24, 0, 20), tz=SH) == sh(2026, 11, 23, 23, 50)


def test_since_month_day_in_january_is_last_year():
    now = sh(2027, 1, 2, 10, 0)
    assert parse_since("12-31 22:00", now=now, tz=SH) == sh(2026, 12, 31, 22, 0)


@pytest.mark.parametrize("raw", ["abc", "", "9", "0910", "明天 09:00", "2026-11-24", "09:10 多余"])
def test_since_unparsable(raw):
    with pytest.raises(TimeProblem) as problem:
        parse_since(raw, now=NOW, tz=SH)
    assert str(problem.value) == f"无法识别时间 “{raw}”，请写成 09:10 或 2026-11-24 09:10"


@pytest.mark.parametrize("raw", ["25:00", "2026-02-30 10:00", "2月30日 10:00"])
def test_since_impossible_time(raw):
    with pytest.raises(TimeProblem, match="不存在"):
        parse_since(raw, now=NOW, tz=SH)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("2026-11-24 10:00", "10:00"),
        ("2026-11-25 08:00", "11月25日 08:00"),
        ("2027-01-01 08:00", "2027年1月1日 08:00"),
        ("11-24 10:00", "10:00"),  # not "last year, too old": it is later today
        ("11月25日 08:00", "11月25日 08:00"),
        ("今天 10:00", "10:00"),
        ("2026-11-24T10:00:00+08:00", "10:00"),
    ],
)
def test_since_in_the_future(raw, shown):
    with pytest.raises(TimeProblem) as problem:
        parse_since(raw, now=NOW, tz=SH)
    assert str(problem.value) == f"开始时间 {shown} 晚于现在，请写已经发生的时间"


def test_since_too_old():
    with pytest.raises(TimeProblem) as problem:
        parse_since("2026-10-01 09:00", now=NOW, tz=SH)
    assert str(problem.value) == "开始时间 10月1日 09:00 距现在超过 30 天，请检查日期"


def test_since_just_inside_the_bound_and_other_bounds():
    assert parse_since("2026-10-25 09:00", now=NOW, tz=SH) == sh(2026, 10, 25, 9, 0)  # exactly 30 days
    with pytest.raises(TimeProblem, match="超过 7 天"):
        parse_since("11-10 09:00", now=NOW, tz=SH, max_age=timedelta(days=7))
    with pytest.raises(TimeProblem, match="超过 2小时"):
        parse_since("06:00", now=NOW, tz=SH, max_age=timedelta(hours=2))
    assert parse_since("2020-01-01 00:00", now=NOW, tz=SH, max_age=None) == sh(2020, 1, 1, 0, 0)


def test_since_label_for_at():
    with pytest.raises(TimeProblem) as problem:
        parse_since("2026-11-24 10:00", now=NOW, tz=SH, label="时间")
    assert str(problem.value).startswith("时间 10:00 晚于现在")


def test_since_problems_are_value_errors_on_one_line():
    with pytest.raises(ValueError) as problem:
        parse_since("昨天\n10:00 x" + "很长" * 40, now=NOW, tz=SH)
    assert isinstance(problem.value, TimeProblem)
    assert "\n" not in str(problem.value) and len(str(problem.value)) < 80


# ------------------------------------------------------------------ parse_date

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-30", date(2026, 11, 30)),
        ("2026/11/30", date(2026, 11, 30)),
        ("2026.11.30", date(2026, 11, 30)),
        ("2026-1-5", date(2026, 1, 5)),  # an explicit year is taken as written, even in the past
        ("2026年11月30日", date(2026, 11, 30)),
        ("11-30", date(2026, 11, 30)),
        ("11/30", date(2026, 11, 30)),
        ("11月30日", date(2026, 11, 30)),
        ("11月30号", date(2026, 11, 30)),
        ("11-24", date(2026, 11, 24)),  # today
        ("11-20", date(2027, 11, 20)),  # already past this year: next year
        ("1月5日", date(2027, 1, 5)),
        ("今天", date(2026, 11, 24)),
        ("明天", date(2026, 11, 25)),
        ("后天", date(2026, 11, 26)),
        ("下周一", date(2026, 11, 30)),
        ("下周五", date(2026, 12, 4)),
        ("下周日", date(2026, 12, 6)),
        ("下星期三", date(2026, 12, 2)),
        ("周五", date(2026, 11, 27)),
        ("星期二", date(2026, 11, 24)),  # today is Tuesday
        ("周一", date(2026, 11, 30)),
        (" 2026-12-01 ", date(2026, 12, 1)),
    ],
)
def test_parse_date_forms(raw, expected):
    assert parse_date(raw, today=TODAY) == expected


def test_parse_date_leap_day():
    assert parse_date("2028-02-29", today=TODAY) == date(2028, 2, 29)
    assert parse_date("2月29日", today=date(2027, 3, 1)) == date(2028, 2, 29)
    assert parse_date("2月29日", today=date(2028, 1, 10)) == date(2028, 2, 29)
    with pytest.raises(TimeProblem, match="不存在"):
        parse_date("2027-02-29", today=TODAY)
    with pytest.raises(TimeProblem, match="不存在"):
        parse_date("2月29日", today=date(2026, 3, 1))


@pytest.mark.parametrize("raw", ["2026-11-31", "2月30日", "13-01", "2026-13-01"])
def test_parse_date_impossible(raw):
    with pytest.raises(TimeProblem, match="不存在"):
        parse_date(raw, today=TODAY)


@pytest.mark.parametrize("raw", ["", "下个月", "30", "2026-11-30 09:00", "大后天", "soon"])
def test_parse_date_unparsable(raw):
    with pytest.raises(TimeProblem) as problem:
        parse_date(raw, today=TODAY)
    assert str(problem.value) == f"无法识别日期 “{raw}”，请写成 2026-11-30 或 11月30日"


# ------------------------------------------------------------------ formatting


def test_format_local():
    at = datetime(2026, 11, 24, 1, 10, tzinfo=UTC)
    assert format_local(at, SH) == "11月24日 09:10"
    assert format_local(at, SH, now=sh(2026, 11, 24, 23, 59)) == "09:10"
    assert format_local(at, SH, now=sh(2026, 11, 25, 0, 0)) == "11月24日 09:10"
    assert format_local(at, SH, now=sh(2027, 1, 2, 8, 0)) == "2026年11月24日 09:10"
    assert format_local(datetime(2026, 1, 5, 0, 5, tzinfo=SH), SH) == "1月5日 00:05"
    assert format_local(at, BERLIN) == "11月24日 02:10"


def test_same_day_is_judged_in_local_time():
    at = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 00:30 on 24 November in Shanghai
    assert format_local(at, SH, now=datetime(2026, 11, 24, 1, 0, tzinfo=UTC)) == "00:30"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0分钟"),
        (0.2, "不到1分钟"),
        (1, "1分钟"),
        (55, "55分钟"),
        (55.4, "55分钟"),
        (59.6, "1小时"),
        (60, "1小时"),
        (270, "4小时30分钟"),
        (24 * 60 - 1, "23小时59分钟"),
        (24 * 60, "1天"),
        (2 * 24 * 60 + 3 * 60, "2天3小时"),
        (2 * 24 * 60 + 3 * 60 + 40, "2天4小时"),
        (-30, "-30分钟"),
    ],
)
def test_format_duration(minutes, text):
    assert format_duration(minutes) == text


# ------------------------------------------------------------------ word helpers used by commandargs


def test_word_helpers():
    assert all(is_date_word(w) for w in ["2026-11-24", "11-24", "11月24日", "昨天", "2026年11月24日"])
    assert not any(is_date_word(w) for w in ["09:10", "明年", "1200万"])
    assert all(is_clock_word(w) for w in ["09:10", "9：10", "9点半", "3点", "下午3点", "09:10:30"])
    assert not any(is_clock_word(w) for w in ["3点建议", "09:105", "整改", "2026-11-24"])


def test_a_time_just_after_the_message_is_a_fast_clock_not_yesterday():
    tz = ZoneInfo("Asia/Shanghai")
    sent = datetime(2026, 11, 24, 9, 10, 59, tzinfo=tz)
    lead = leading_time("09:11 博主发了第二篇", sent_at=sent, tz=tz)
    assert lead is not None and lead.at == sent.astimezone(UTC)
    far = leading_time("09:30 博主发了第二篇", sent_at=sent, tz=tz)
    assert far is not None and far.at == datetime(2026, 11, 23, 9, 30, tzinfo=tz).astimezone(UTC)
