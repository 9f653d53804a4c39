"""How times are shown: one local-time formatter for instants, days, clock times and durations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock.format import format_clock, format_day, format_duration, format_local
from tests.support import SH

BERLIN = ZoneInfo("Europe/Berlin")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


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


def test_format_local_for_a_reader_in_a_given_year_never_shortens_to_the_clock():
    at = datetime(2026, 11, 24, 1, 10, tzinfo=UTC)
    assert format_local(at, SH, year=2026) == "11月24日 09:10"
    assert format_local(at, SH, year=2027) == "2026年11月24日 09:10"
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Shanghai
    assert format_local(new_year, SH, year=2026) == "2027年1月1日 00:30"


def test_format_day_and_clock():
    assert format_day(date(2026, 11, 24)) == "11月24日"
    assert format_day(date(2026, 1, 5), year=2026) == "1月5日"
    assert format_day(date(2025, 1, 5), year=2026) == "2025年1月5日"
    at = datetime(2026, 11, 24, 1, 5, tzinfo=UTC)
    assert format_clock(at, SH) == "09:05"
    assert format_clock(at, BERLIN) == "02:05"
    assert format_clock(datetime(2026, 11, 24, 7, 3, tzinfo=SH)) == "07:03"
