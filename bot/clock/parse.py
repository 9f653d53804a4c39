"""Times people type in the chat: a leading time on a message, `since=`/`at=`, `due=`.

Everything is resolved in local wall time of the bot's zone (`BOT_TIMEZONE`) and
returned UTC-aware. The rule for a time without a full date is the one in the
design: *the latest such moment not after* the reference moment (the message's
own time), so "23:50" sent at 00:20 is yesterday 23:50 and "11月24日 09:10" sent in
January is last year's 24 November.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock.now import as_utc


class TimeProblem(ValueError):
    """A time or date the user typed that we cannot use; the message is one line of Chinese."""


@dataclass(frozen=True)
class LeadingTime:
    at: datetime  # UTC-aware
    rest: str  # the message text after the time prefix (stripped)


# ---------------------------------------------------------------- grammar

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

_MOMENT = re.compile(
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
_SEPARATORS = " \t\r\n\u3000,，:：、-—–|｜"

_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_PM = {"下午", "傍晚", "晚上", "夜里", "夜间"}


@dataclass(frozen=True)
class _Moment:
    """What a matched time says, before it is placed on the calendar."""

    clock: time
    year: int | None = None
    month: int | None = None
    day: int | None = None
    days_ago: int | None = None  # 今天/昨天/前天

    @property
    def has_date(self) -> bool:
        return self.month is not None or self.days_ago is not None


class _NoSuchTime(Exception):
    """The text looks like a time but names none (25:00, 2月30日, 上午15点)."""


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _moment(match: re.Match[str], *, bare_hour: bool = False) -> _Moment:
    g = match.groupdict()
    year = _int(g["y1"] or g["y2"])
    month = _int(g["m1"] or g["m2"] or g["m3"] or g["m4"])
    day = _int(g["d1"] or g["d2"] or g["d3"] or g["d4"])
    days_ago = _RELATIVE_DAYS.get(g["rel"]) if g["rel"] else None
    part = g["part"]

    if g["h1"] is not None:
        hour, minute, second = int(g["h1"]), int(g["i1"]), _int(g["s1"]) or 0
    elif g["h2"] is not None:
        hour, second = int(g["h2"]), 0
        minute = 30 if g["half"] else _int(g["i2"] or g["i3"]) or 0
    else:
        # At the start of a message a bare "3点" is too often "three points" (“3点建议”);
        # it is a time there only when a date or a part of the day says so ("下午3点").
        if not bare_hour and part is None and month is None and days_ago is None:
            raise _NoSuchTime
        hour, minute, second = int(g["h3"]), 0, 0

    hour = _hour_of_day(hour, part)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise _NoSuchTime
    if month is not None and not (1 <= month <= 12 and 1 <= day <= 31):
        raise _NoSuchTime
    if year is not None:
        try:
            date(year, month, day)
        except ValueError:
            raise _NoSuchTime from None
    elif month is not None and not _day_exists_in_some_year(month, day):
        raise _NoSuchTime
    return _Moment(clock=time(hour, minute, second), year=year, month=month, day=day, days_ago=days_ago)


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


def _instants(day: date, clock: time, tz: ZoneInfo) -> list[datetime]:
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
    return next((at for at in reversed(_instants(day, clock, tz)) if at <= limit), None)


def _resolve(moment: _Moment, limit: datetime, tz: ZoneInfo) -> datetime | None:
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


def _aware(value: datetime) -> datetime:
    """Naive datetimes (as SQLite gives them back) are UTC by construction, as in bot.timeutil."""
    return as_utc(value)


# ---------------------------------------------------------------- public API


CLOCK_GRACE = timedelta(minutes=5)


def leading_time(text: str, *, sent_at: datetime, tz: ZoneInfo, grace: timedelta = CLOCK_GRACE) -> LeadingTime | None:
    """The event time a message starts with ("09:10 …", "11月24日 09:10 …", "昨天 23:50 …"),
    placed at the latest such moment not after `sent_at`; None when the text does not
    start with a time, names an impossible one, or gives a full date in the future.
    A time up to `grace` after the message (a phone clock running fast: "09:11" sent at
    09:10:59) is read as the message's own time rather than as yesterday's 09:11."""
    sent_at = _aware(sent_at)
    stripped = text.lstrip()
    match = _MOMENT.match(stripped)
    if match is None:
        return None
    try:
        moment = _moment(match)
    except _NoSuchTime:
        return None
    at = _resolve(moment, sent_at + grace, tz)
    if at is None:
        return None
    return LeadingTime(at=min(at, sent_at), rest=stripped[match.end() :].lstrip(_SEPARATORS).rstrip())


def parse_since(
    raw: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    max_age: timedelta | None = timedelta(days=30),
    label: str = "开始时间",
) -> datetime:
    """`since=`/`开始=` (and `at=`/`时间=`, with label="时间"): "09:10", "2026-11-24 09:10",
    "2026-11-24T09:10", "11-24 09:10", "11月24日 09:10", "昨天 23:50", or ISO 8601 with an
    offset. Without a full date: the latest such moment not after `now`.
    Raises TimeProblem when unparsable, in the future, or older than `max_age`."""
    now = _aware(now)
    text = raw.strip()
    match = _MOMENT.fullmatch(text)
    if match is None:
        at = _iso_with_offset(text)
        if at is None:
            raise TimeProblem(f"无法识别时间 “{_shown(raw)}”，请写成 09:10 或 2026-11-24 09:10")
        if at > now:
            raise TimeProblem(f"{label} {format_local(at, tz, now=now)} 晚于现在，请写已经发生的时间")
    else:
        try:
            moment = _moment(match, bare_hour=True)
        except _NoSuchTime:
            raise TimeProblem(f"时间 “{_shown(raw)}” 不存在，请检查日期和钟点") from None
        at = _resolve(moment, now, tz)
        upcoming = _upcoming(moment, now, tz)
        if at is None or (upcoming is not None and max_age is not None and now - at > max_age):
            if upcoming is None:
                raise TimeProblem(f"时间 “{_shown(raw)}” 不存在，请检查日期和钟点")
            raise TimeProblem(f"{label} {format_local(upcoming, tz, now=now)} 晚于现在，请写已经发生的时间")
    if max_age is not None and now - at > max_age:
        raise TimeProblem(f"{label} {format_local(at, tz, now=now)} 距现在超过 {_span_words(max_age)}，请检查日期")
    return at.astimezone(UTC)


def _upcoming(moment: _Moment, now: datetime, tz: ZoneInfo) -> datetime | None:
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
    return next((at for at in _instants(day, moment.clock, tz) if at > now), None)


def _iso_with_offset(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else None


def _shown(raw: str, limit: int = 30) -> str:
    """What the user typed, on one line and not too long, for quoting in a reply."""
    text = " ".join(raw.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _span_words(span: timedelta) -> str:
    if span % timedelta(days=1) == timedelta(0):
        return f"{span.days} 天"
    return format_duration(span / timedelta(minutes=1))


_DATE_WORDS = re.compile(
    r"""
    (?P<y1>\d{4})(?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})
  | (?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]
  | (?P<m3>\d{1,2})[-/](?P<d3>\d{1,2})
  | (?P<m4>\d{1,2})\s*月\s*(?P<d4>\d{1,2})\s*[日号]
  | (?P<rel>今天|今日|明天|明日|后天)
  | (?P<next>下周|下星期|下礼拜)(?P<wd1>[一二三四五六日天])
  | (?:周|星期|礼拜)(?P<wd2>[一二三四五六日天])
    """,
    re.VERBOSE,
)
_DAYS_AHEAD = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def parse_date(raw: str, *, today: date) -> date:
    """`due=`/`截止=`: "2026-11-30", "2026/11/30", "2026年11月30日", "11-30", "11/30", "11月30日"
    (the next such date on or after `today`), "今天", "明天", "后天", "下周一" (Monday of
    next week), "周五"/"星期五" (the next Friday on or after `today`).
    Raises TimeProblem otherwise."""
    text = raw.strip()
    match = _DATE_WORDS.fullmatch(text)
    if match is None:
        raise TimeProblem(f"无法识别日期 “{_shown(raw)}”，请写成 2026-11-30 或 11月30日")
    g = match.groupdict()
    if g["rel"]:
        return today + timedelta(days=_DAYS_AHEAD[g["rel"]])
    if g["next"]:
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=_WEEKDAYS[g["wd1"]])
    if g["wd2"]:
        return today + timedelta(days=(_WEEKDAYS[g["wd2"]] - today.weekday()) % 7)
    year = _int(g["y1"] or g["y2"])
    month = int(g["m1"] or g["m2"] or g["m3"] or g["m4"])
    day = int(g["d1"] or g["d2"] or g["d3"] or g["d4"])
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise TimeProblem(f"日期 “{_shown(raw)}” 不存在") from None
    for candidate_year in (today.year, today.year + 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise TimeProblem(f"日期 “{_shown(raw)}” 不存在")


def format_local(at: datetime, tz: ZoneInfo, *, now: datetime | None = None) -> str:
    """`at` as shown in `tz`: "11月24日 09:10"; just "09:10" on the same local day as `now`;
    "2025年11月24日 09:10" when `now` is in another year."""
    local = _aware(at).astimezone(tz)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if now is not None:
        today = _aware(now).astimezone(tz).date()
        if local.date() == today:
            return clock
        if local.year != today.year:
            return f"{local.year}年{local.month}月{local.day}日 {clock}"
    return f"{local.month}月{local.day}日 {clock}"


def format_duration(minutes: float) -> str:
    """A duration in words: "55分钟", "4小时30分钟", "2天3小时" (a day or more is rounded to the hour);
    "不到1分钟" for under half a minute; negative durations get a leading "-"."""
    if math.isnan(minutes) or math.isinf(minutes):
        raise ValueError(f"not a duration: {minutes!r}")
    sign = "-" if minutes < 0 else ""
    size = abs(minutes)
    total = math.floor(size + 0.5)
    if total == 0:
        return "不到1分钟" if size > 0 else "0分钟"
    if total < 60:
        return f"{sign}{total}分钟"
    if total < 24 * 60:
        hours, mins = divmod(total, 60)
        return f"{sign}{hours}小时" + (f"{mins}分钟" if mins else "")
    days, hours = divmod(math.floor(total / 60 + 0.5), 24)
    return f"{sign}{days}天" + (f"{hours}小时" if hours else "")
