"""Times and dates typed as command options: `since=`/`at=` (a moment that has happened) and `due=` (a date
from today on), with a one-line Chinese reason for what cannot be used."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.clock.parse import TimeProblem, is_clock_word, is_date_word, parse_date, parse_since
from tests.support import SH


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


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


def test_at_option_says_time_not_start_time():
    with pytest.raises(TimeProblem) as problem:
        parse_since("2026-11-24 10:00", now=NOW, tz=SH, option="at")
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


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_since("abc", now=NOW, tz=SH), "无法识别时间 “abc”，请写成 09:10 或 2026-11-24 09:10"),
        (lambda: parse_since("25:00", now=NOW, tz=SH), "时间 “25:00” 不存在，请检查日期和钟点"),
        (
            lambda: parse_since("06:00", now=NOW, tz=SH, max_age=timedelta(hours=2)),
            "开始时间 06:00 距现在超过 2小时，请检查日期",
        ),
        (
            lambda: parse_since("11-10 09:00", now=NOW, tz=SH, max_age=timedelta(days=7), option="at"),
            "时间 11月10日 09:00 距现在超过 7 天，请检查日期",
        ),
        (lambda: parse_date("下个月", today=TODAY), "无法识别日期 “下个月”，请写成 2026-11-30 或 11月30日"),
        (lambda: parse_date("2027-02-29", today=TODAY), "日期 “2027-02-29” 不存在"),
        (lambda: parse_date("2月30日", today=TODAY), "日期 “2月30日” 不存在"),
    ],
)
def test_problems_word_for_word(call, message):
    with pytest.raises(TimeProblem) as problem:
        call()
    assert str(problem.value) == message


# ------------------------------------------------------------------ word helpers used by commandargs


def test_word_helpers():
    assert all(is_date_word(w) for w in ["2026-11-24", "11-24", "11月24日", "昨天", "2026年11月24日"])
    assert not any(is_date_word(w) for w in ["09:10", "明年", "1200万"])
    assert all(is_clock_word(w) for w in ["09:10", "9：10", "9点半", "3点", "下午3点", "09:10:30"])
    assert not any(is_clock_word(w) for w in ["3点建议", "09:105", "整改", "2026-11-24"])
