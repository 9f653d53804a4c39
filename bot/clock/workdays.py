"""Working days in mainland China: weekends and public holidays off, make-up working days (调休) on,
from the `holidays` package's calendar; years it does not cover fall back to Monday–Friday."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _calendar(year: int) -> holidays.HolidayBase | None:
    calendar = holidays.China(years=year)
    return calendar if year in calendar.years and len(calendar) else None


def is_workday(day: date) -> bool:
    calendar = _calendar(day.year)
    if calendar is None:
        return day.weekday() < 5
    return calendar.is_working_day(day)


def next_workday(day: date) -> date:
    """`day` itself when it is a working day, else the next one."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def nth_workday(first: date, n: int) -> date:
    """The n-th working day (1-based) counting from `first`."""
    day = next_workday(first)
    for _ in range(n - 1):
        day = next_workday(day + timedelta(days=1))
    return day
