"""When a group's follow-ups are due: the quarterly review (n-th working day of each quarter, reviewing the
quarter before) and the monthly drill reminder (a day of the month, moved to the next working day), at a
local time. Settings give the defaults; a group can set its own (`GroupSchedule`), 0 switches one off.
`set_schedule` is the one flow behind /季度复盘 设置 and /演练 设置."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import lru_cache

import yaml
from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.clock.quarters import Quarter
from bot.clock.workdays import next_workday, nth_workday
from bot.config import Settings
from bot.core.args import row_id
from bot.core.bundled import TEMPLATES
from bot.followups.models import GroupSchedule

WORDS = yaml.safe_load((TEMPLATES / "followups" / "command_words.yaml").read_text(encoding="utf-8"))


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


def default_cadence() -> Cadence:
    """The cadence of a group with no schedule of its own under the settings' defaults (no environment read): what
    the retro assumes when its caller gives no group cadence."""
    return cadence_of(None, Settings.model_construct())


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


def review_after(reference: datetime, cadence: Cadence, tz) -> datetime:
    """The quarterly review that looks back on the quarter of `reference` (a retro's close, or now while open): the
    moment the scheduler posts it in the next quarter (`review_moment`: the n-th working day, holidays and 调休
    counted, at the group's time). The retro's 下次复盘 and "due at the next review" action items use it. A group
    that switched its reviews off is still given the quarter's first working day at its review time."""
    quarter = Quarter.of(as_utc(reference).astimezone(tz).date()).next
    scheduled = review_moment(quarter, cadence, tz)
    return scheduled or review_moment(quarter, replace(cadence, review_workday=1), tz)


@lru_cache(maxsize=256)
def drill_moment(year: int, month: int, cadence: Cadence, tz) -> datetime | None:
    """When the drill reminder of that month is posted (None when switched off)."""
    if cadence.drill_day <= 0:
        return None
    day = next_workday(date(year, month, min(cadence.drill_day, 28)))
    return datetime.combine(day, cadence.drill_time, tzinfo=tz)


# --- /季度复盘 设置 and /演练 设置: one flow for both schedules -----------------------------------------------------


class ScheduleProblem(ValueError):
    """A schedule value out of range or not understood (the caller answers with the command's usage)."""


@dataclass(frozen=True)
class ScheduleKind:
    """One of a group's two schedules: the option that picks its day, the fields it sets, the day's range."""

    day_field: str  # review_workday | drill_day
    time_field: str  # review_time | drill_time
    day_option: str  # workday | day (the option id the handler's keys map to)
    largest_day: int
    day_suffixes: tuple[str, ...] = ()  # words people add after the number (followups/command_words.yaml)


REVIEW = ScheduleKind("review_workday", "review_time", "workday", 20)
DRILL = ScheduleKind("drill_day", "drill_time", "day", 28, day_suffixes=tuple(WORDS["day_suffixes"]))


@dataclass(frozen=True)
class Scheduled:
    cadence: Cadence
    upcoming: datetime | None  # the next time it comes (None when switched off)


def next_review_moment(cadence: Cadence, now: datetime, tz) -> datetime | None:
    """The next scheduled review after `now` (this quarter's if still ahead, else the next quarter's)."""
    quarter = Quarter.of(now.astimezone(tz).date())
    upcoming = review_moment(quarter, cadence, tz)
    if upcoming is not None and upcoming <= now:
        upcoming = review_moment(quarter.next, cadence, tz)
    return upcoming


def next_drill_moment(cadence: Cadence, now: datetime, tz) -> datetime | None:
    """The next drill reminder after `now` (this month's if still ahead, else next month's)."""
    today = now.astimezone(tz).date()
    upcoming = drill_moment(today.year, today.month, cadence, tz)
    if upcoming is not None and upcoming <= now:
        following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        upcoming = drill_moment(following.year, following.month, cadence, tz)
    return upcoming


def _changes(kind: ScheduleKind, options: dict[str, str]) -> dict[str, object]:
    changes: dict[str, object] = {}
    if kind.day_option in options:
        value = options[kind.day_option].strip()
        for suffix in kind.day_suffixes:
            value = value.removesuffix(suffix)
        day = row_id(value)
        if day is None or not 1 <= day <= kind.largest_day:
            raise ScheduleProblem(options[kind.day_option])
        changes[kind.day_field] = day
    if "time" in options:
        try:
            changes[kind.time_field] = clock_time(options["time"]).strftime("%H:%M")
        except ValueError:
            raise ScheduleProblem(options["time"]) from None
    return changes


def set_schedule(
    kind: ScheduleKind,
    chat_id: str,
    *,
    session: Session,
    settings: Settings,
    off: bool = False,
    options: dict[str, str] | None = None,
    by: str,
    at: datetime,
) -> Scheduled:
    """Switch the group's review or drill schedule off, or set its day and/or time (`options`: day option and
    "time"; none given just shows it); the cadence that results and when it next comes.
    ScheduleProblem for a value out of range, before anything is written."""
    changes = {kind.day_field: 0} if off else _changes(kind, options or {})
    if changes:
        update(session, chat_id, by=by, at=at, **changes)
    now_cadence = cadence(session, chat_id, settings)
    upcoming = (next_review_moment if kind is REVIEW else next_drill_moment)(now_cadence, at, settings.tz)
    return Scheduled(now_cadence, upcoming)
