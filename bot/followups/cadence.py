"""When a group's follow-ups are due: the quarterly review (n-th working day of each quarter, reviewing the
quarter before) and the monthly drill reminder (a day of the month, moved to the next working day), at a
local time. Settings give the defaults; a group can set its own (`GroupSchedule`), 0 switches one off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlmodel import Session, select

from bot.clock.quarters import Quarter
from bot.clock.workdays import next_workday, nth_workday
from bot.config import Settings
from bot.followups.models import GroupSchedule


@dataclass(frozen=True)
class Cadence:
    review_workday: int  # 0 = no scheduled review
    review_time: time
    drill_day: int  # 0 = no drill reminder
    drill_time: time
    custom: bool  # the group set something of its own


def clock_time(text: str) -> time:
    hours, _, minutes = text.strip().replace("：", ":").partition(":")
    return time(int(hours), int(minutes or 0))


def cadence(session: Session, chat_id: str, settings: Settings) -> Cadence:
    return cadence_of(session.get(GroupSchedule, chat_id), settings)


def all_cadences(session: Session, chat_ids: list[str], settings: Settings) -> dict[str, Cadence]:
    """The cadence of each group, in one query."""
    rows = {row.chat_id: row for row in session.exec(select(GroupSchedule))}
    return {chat_id: cadence_of(rows.get(chat_id), settings) for chat_id in chat_ids}


def cadence_of(row: GroupSchedule | None, settings: Settings) -> Cadence:
    def pick(name: str):
        own = getattr(row, name) if row is not None else None
        return own if own is not None else getattr(settings, name)

    return Cadence(
        review_workday=pick("review_workday"),
        review_time=clock_time(pick("review_time")),
        drill_day=pick("drill_day"),
        drill_time=clock_time(pick("drill_time")),
        custom=row is not None,
    )


def update(session: Session, chat_id: str, *, by: str, at: datetime, **fields: object) -> GroupSchedule:
    """Set some of review_workday, review_time, drill_day, drill_time for a group."""
    row = session.get(GroupSchedule, chat_id) or GroupSchedule(chat_id=chat_id)
    for name, value in fields.items():
        if not hasattr(GroupSchedule, name):
            raise ValueError(name)
        setattr(row, name, value)
    row.updated_by, row.updated_at = by, at
    session.add(row)
    session.flush()
    return row


@lru_cache(maxsize=256)
def review_moment(quarter: Quarter, cadence: Cadence, tz) -> datetime | None:
    """When the review of the quarter *before* `quarter` is posted (None when switched off)."""
    if cadence.review_workday <= 0:
        return None
    day = nth_workday(quarter.first_day, cadence.review_workday)
    return datetime.combine(day, cadence.review_time, tzinfo=tz)


@lru_cache(maxsize=256)
def drill_moment(year: int, month: int, cadence: Cadence, tz) -> datetime | None:
    """When the drill reminder of that month is posted (None when switched off)."""
    if cadence.drill_day <= 0:
        return None
    day = next_workday(date(year, month, min(cadence.drill_day, 28)))
    return datetime.combine(day, cadence.drill_time, tzinfo=tz)
