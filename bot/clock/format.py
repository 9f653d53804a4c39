"""The one local-time formatter: instants, days, clock times and durations as the chat shows them.

Every time a person reads is shown in the bot's zone (`BOT_TIMEZONE`, passed in as `tz`):
"09:10" on the reader's day, "11月24日 09:10" within the year, "2025年11月24日 09:10" otherwise.
"""

from __future__ import annotations

import math
from datetime import date, datetime, tzinfo

from bot.clock.now import as_utc
from bot.core import labels


def _word(name: str, **values: object) -> str:
    """A time format from the vocabulary (`templates/labels.yaml` → `time_formats`), filled in."""
    return labels.label("time_formats", name).format(**values)


def format_clock(at: datetime, tz: tzinfo | None = None) -> str:
    """The wall-clock time "09:10" (in `tz` when given, else as `at` carries it)."""
    local = as_utc(at).astimezone(tz) if tz is not None else at
    return f"{local.hour:02d}:{local.minute:02d}"


def format_day(day: date, *, year: int | None = None) -> str:
    """A calendar day: "11月24日"; "2025年11月24日" when `year` (the reader's year) is another one."""
    if year is None or day.year == year:
        return _word("day", month=day.month, day=day.day)
    return _word("day_with_year", year=day.year, month=day.month, day=day.day)


def format_local(at: datetime, tz: tzinfo, *, now: datetime | None = None, year: int | None = None) -> str:
    """`at` as shown in `tz`: "11月24日 09:10"; just "09:10" on the same local day as `now`;
    with the year ("2025年11月24日 09:10") when it differs from `now`'s year or from `year`."""
    local = as_utc(at).astimezone(tz)
    clock = format_clock(local)
    if now is not None:
        today = as_utc(now).astimezone(tz).date()
        if local.date() == today:
            return clock
        year = today.year
    return f"{format_day(local.date(), year=year)} {clock}"


def format_duration(minutes: float) -> str:
    """A duration in words: "55分钟", "4小时30分钟", "2天3小时" (a day or more is rounded to the hour);
    "不到1分钟" for under half a minute; negative durations get a leading "-"."""
    if math.isnan(minutes) or math.isinf(minutes):
        raise ValueError(f"not a duration: {minutes!r}")
    sign = "-" if minutes < 0 else ""
    size = abs(minutes)
    total = math.floor(size + 0.5)
    if total == 0:
        return _word("under_a_minute") if size > 0 else _word("zero")
    if total < 60:
        return sign + _word("minutes", n=total)
    if total < 24 * 60:
        hours, mins = divmod(total, 60)
        return sign + _word("hours", n=hours) + (_word("minutes", n=mins) if mins else "")
    days, hours = divmod(math.floor(total / 60 + 0.5), 24)
    return sign + _word("days", n=days) + (_word("hours", n=hours) if hours else "")
