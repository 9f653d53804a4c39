"""The grammar of times people write (“09:10”, “11月24日 09:10”, “下午3点”, “昨天 23:50”) and
placing such a time on the calendar: the latest matching moment not after a reference instant,
in local wall time of a zone, across daylight-saving gaps and overlaps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DATE = r"""
(?:
    (?P<y1>\d{4})(?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})
  | (?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]
  | (?P<m3>\d{1,2})[-/](?P<d3>\d{1,2})
  | (?P<m4>\d{1,2})\s*月\s*(?P<d4>\d{1,2})\s*[日号]
  | (?P<rel>今天|今日|昨天|昨日|前天)
)
"""

_DAYPART = r"(?P<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间)"

_CLOCK = r"""
(?:
    (?P<h1>\d{1,2})[:：](?P<i1>\d{2})(?:[:：](?P<s1>\d{2}))?
  | (?P<h2>\d{1,2})[点时](?:(?P<half>半)|整|(?P<i2>\d{1,2})分|(?P<i3>\d{2}))
  | (?P<h3>\d{1,2})点
)
"""

# What may not follow a time: more digits ("09:105"), Latin letters ("9:10am"),
# a decimal part ("9:10.5"). CJK characters, spaces and punctuation are fine.
_END = r"(?![0-9A-Za-z])(?![.．]\d)"

MOMENT = re.compile(
    rf"""
    (?:{_DATE}(?:\s*|T))?
    (?:{_DAYPART}\s*)?
    {_CLOCK}
    {_END}
    """,
    re.VERBOSE,
)
_DATE_ONLY = re.compile(rf"\s*{_DATE}\s*", re.VERBOSE)
_CLOCK_ONLY = re.compile(rf"\s*(?:{_DAYPART}\s*)?{_CLOCK}{_END}\s*", re.VERBOSE)

# Separators between a leading time and the text that follows it.
SEPARATORS = " \t\r\n\u3000,，:：、-—–|｜"

_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_PM = {"下午", "傍晚", "晚上", "夜里", "夜间"}


@dataclass(frozen=True)
class Moment:
    """What a matched time says, before it is placed on the calendar."""

    clock: time
    year: int | None = None
    month: int | None = None
    day: int | None = None
    days_ago: int | None = None  # 今天/昨天/前天

    @property
    def has_date(self) -> bool:
        return self.month is not None or self.days_ago is not None


class NoSuchTime(Exception):
    """The text looks like a time but names none (25:00, 2月30日, 上午15点)."""


def int_or_none(value: str | None) -> int | None:
    return None if value is None else int(value)


def moment_of(match: re.Match[str], *, bare_hour: bool = False) -> Moment:
    g = match.groupdict()
    year = int_or_none(g["y1"] or g["y2"])
    month = int_or_none(g["m1"] or g["m2"] or g["m3"] or g["m4"])
    day = int_or_none(g["d1"] or g["d2"] or g["d3"] or g["d4"])
    days_ago = _RELATIVE_DAYS.get(g["rel"]) if g["rel"] else None
    part = g["part"]

    if g["h1"] is not None:
        hour, minute, second = int(g["h1"]), int(g["i1"]), int_or_none(g["s1"]) or 0
    elif g["h2"] is not None:
        hour, second = int(g["h2"]), 0
        minute = 30 if g["half"] else int_or_none(g["i2"] or g["i3"]) or 0
    else:
        # At the start of a message a bare "3点" is too often "three points" (“3点建议”);
        # it is a time there only when a date or a part of the day says so ("下午3点").
        if not bare_hour and part is None and month is None and days_ago is None:
            raise NoSuchTime
        hour, minute, second = int(g["h3"]), 0, 0

    hour = _hour_of_day(hour, part)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise NoSuchTime
    if month is not None and not (1 <= month <= 12 and 1 <= day <= 31):
        raise NoSuchTime
    if year is not None:
        try:
            date(year, month, day)
        except ValueError:
            raise NoSuchTime from None
    elif month is not None and not _day_exists_in_some_year(month, day):
        raise NoSuchTime
    return Moment(clock=time(hour, minute, second), year=year, month=month, day=day, days_ago=days_ago)


def _hour_of_day(hour: int, part: str | None) -> int:
    """24-hour clock from a 12-hour one qualified by 上午/下午/…; -1 when they contradict."""
    if part is None:
        return hour
    if part in _PM:
        if 1 <= hour <= 11:
            return hour + 12
        if hour == 12:
            return 12 if part == "下午" else -1  # 晚上12点: which midnight? refuse to guess
        return hour if hour >= 13 else -1
    if part == "中午":
        if hour <= 3:
            return hour + 12
        return hour if hour >= 10 else -1
    # 凌晨 / 早上 / 早晨 / 上午
    if hour == 12 and part == "凌晨":
        return 0
    return hour if hour <= 12 else -1


def _day_exists_in_some_year(month: int, day: int) -> bool:
    try:
        date(2000, month, day)  # a leap year
    except ValueError:
        return False
    return True


def is_date_word(text: str) -> bool:
    """True for a date alone: "2026-11-24", "11-24", "11月24日", "昨天" (used to join "since=DATE HH:MM")."""
    return _DATE_ONLY.fullmatch(text) is not None


def is_clock_word(text: str) -> bool:
    """True for a time of day alone: "09:10", "9：10", "9点半", "3点", "下午3点"."""
    return _CLOCK_ONLY.fullmatch(text) is not None


# ---------------------------------------------------------------- calendar


def instants(day: date, clock: time, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the wall clock in `tz` reads `day clock`, ascending:
    none in a spring-forward gap, two in a fall-back overlap, one otherwise."""
    wall = datetime.combine(day, clock)
    found: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == wall and instant not in found:
            found.append(instant)
    return sorted(found)


def _latest_on(day: date, clock: time, tz: ZoneInfo, limit: datetime) -> datetime | None:
    return next((at for at in reversed(instants(day, clock, tz)) if at <= limit), None)


def resolve(moment: Moment, limit: datetime, tz: ZoneInfo) -> datetime | None:
    """The latest moment matching `moment` not after `limit`; None when there is none
    (a full date in the future, a wall time that does not exist)."""
    today = limit.astimezone(tz).date()
    if moment.days_ago is not None:
        return _latest_on(today - timedelta(days=moment.days_ago), moment.clock, tz, limit)
    if moment.year is not None:
        return _latest_on(date(moment.year, moment.month, moment.day), moment.clock, tz, limit)
    if moment.month is not None:
        for year in (today.year, today.year - 1):
            try:
                day = date(year, moment.month, moment.day)
            except ValueError:  # 2月29日 outside a leap year
                continue
            at = _latest_on(day, moment.clock, tz, limit)
            if at is not None:
                return at
        return None
    for back in range(3):  # today, else yesterday (a third day only around a DST gap)
        at = _latest_on(today - timedelta(days=back), moment.clock, tz, limit)
        if at is not None:
            return at
    return None


def upcoming(moment: Moment, now: datetime, tz: ZoneInfo) -> datetime | None:
    """For a time with a date: the reading of it that lies in the future, if any —
    so "11-24 10:00" typed at 11-24 09:00 is reported as "in the future", not "a year ago"."""
    if not moment.has_date:
        return None
    today = now.astimezone(tz).date()
    if moment.days_ago is not None:
        day = today - timedelta(days=moment.days_ago)
    else:
        try:
            day = date(moment.year or today.year, moment.month, moment.day)
        except ValueError:
            return None
    return next((at for at in instants(day, moment.clock, tz) if at > now), None)
