"""Times people type in the chat: a leading time on a message, `since=`/`at=`, `due=`.

Everything is resolved in local wall time of the bot's zone (`BOT_TIMEZONE`) and
returned UTC-aware. The rule for a time without a full date is the one in the
design: *the latest such moment not after* the reference moment (the message's
own time), so "23:50" sent at 00:20 is yesterday 23:50 and "11月24日 09:10" sent in
January is last year's 24 November. The grammar and the calendar rule live in
`bot.clock.moments`; the replies for what cannot be used in `templates/clock/time_problem.j2`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock.format import format_duration, format_local
from bot.clock.moments import (
    MOMENT,
    SEPARATORS,
    NoSuchTime,
    int_or_none,
    is_clock_word,
    is_date_word,
    moment_of,
    resolve,
    upcoming,
)
from bot.clock.now import as_utc
from bot.core.wording import render

__all__ = [
    "CLOCK_GRACE",
    "LeadingTime",
    "TimeProblem",
    "is_clock_word",
    "is_date_word",
    "leading_time",
    "parse_date",
    "parse_since",
]


class TimeProblem(ValueError):
    """A time or date the user typed that we cannot use; the message is one line of Chinese."""


@dataclass(frozen=True)
class LeadingTime:
    at: datetime  # UTC-aware
    rest: str  # the message text after the time prefix (stripped)


def _problem(problem: str, *, option: str = "since", **context: object) -> TimeProblem:
    return TimeProblem(render("clock/time_problem", problem=problem, option=option, **context))


CLOCK_GRACE = timedelta(minutes=5)


def leading_time(text: str, *, sent_at: datetime, tz: ZoneInfo, grace: timedelta = CLOCK_GRACE) -> LeadingTime | None:
    """The event time a message starts with ("09:10 …", "11月24日 09:10 …", "昨天 23:50 …"),
    placed at the latest such moment not after `sent_at`; None when the text does not
    start with a time, names an impossible one, or gives a full date in the future.
    A time up to `grace` after the message (a phone clock running fast: "09:11" sent at
    09:10:59) is read as the message's own time rather than as yesterday's 09:11."""
    sent_at = as_utc(sent_at)
    stripped = text.lstrip()
    match = MOMENT.match(stripped)
    if match is None:
        return None
    try:
        moment = moment_of(match)
    except NoSuchTime:
        return None
    at = resolve(moment, sent_at + grace, tz)
    if at is None:
        return None
    return LeadingTime(at=min(at, sent_at), rest=stripped[match.end() :].lstrip(SEPARATORS).rstrip())


def parse_since(
    raw: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    max_age: timedelta | None = timedelta(days=30),
    option: str = "since",
) -> datetime:
    """`since=`/`开始=` (and `at=`/`时间=`, with option="at"): "09:10", "2026-11-24 09:10",
    "2026-11-24T09:10", "11-24 09:10", "11月24日 09:10", "昨天 23:50", or ISO 8601 with an
    offset. Without a full date: the latest such moment not after `now`.
    Raises TimeProblem when unparsable, in the future, or older than `max_age`."""
    now = as_utc(now)
    text = raw.strip()
    shown = _shown(raw)
    match = MOMENT.fullmatch(text)
    if match is None:
        at = _iso_with_offset(text)
        if at is None:
            raise _problem("unreadable_time", shown=shown)
        if at > now:
            raise _problem("future", option=option, at=format_local(at, tz, now=now))
    else:
        try:
            moment = moment_of(match, bare_hour=True)
        except NoSuchTime:
            raise _problem("no_such_time", shown=shown) from None
        at = resolve(moment, now, tz)
        ahead = upcoming(moment, now, tz)
        if at is None or (ahead is not None and max_age is not None and now - at > max_age):
            if ahead is None:
                raise _problem("no_such_time", shown=shown)
            raise _problem("future", option=option, at=format_local(ahead, tz, now=now))
    if max_age is not None and now - at > max_age:
        raise _problem("too_old", option=option, at=format_local(at, tz, now=now), **_span(max_age))
    return at.astimezone(UTC)


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


def _span(span: timedelta) -> dict[str, object]:
    """How long `max_age` is, for the reply: whole days, else a duration in words."""
    if span % timedelta(days=1) == timedelta(0):
        return {"days": span.days}
    return {"duration": format_duration(span / timedelta(minutes=1))}


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
        raise _problem("unreadable_date", shown=_shown(raw))
    g = match.groupdict()
    if g["rel"]:
        return today + timedelta(days=_DAYS_AHEAD[g["rel"]])
    if g["next"]:
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=_WEEKDAYS[g["wd1"]])
    if g["wd2"]:
        return today + timedelta(days=(_WEEKDAYS[g["wd2"]] - today.weekday()) % 7)
    year = int_or_none(g["y1"] or g["y2"])
    month = int(g["m1"] or g["m2"] or g["m3"] or g["m4"])
    day = int(g["d1"] or g["d2"] or g["d3"] or g["d4"])
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise _problem("no_such_date", shown=_shown(raw)) from None
    for candidate_year in (today.year, today.year + 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _problem("no_such_date", shown=_shown(raw))
