"""Follow-ups outside incidents, found by the sweep from DB state: the quarterly review (reviewing the quarter
before) and the monthly drill reminder, per group, each once; after downtime sent late once, marked late."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.clock.quarters import Quarter
from bot.config import Settings
from bot.core.messages import Outbound
from bot.followups import cadence as schedules
from bot.followups import review
from bot.followups import review_messaging as reviewviews
from bot.followups.models import ActionItem, GroupSchedule
from bot.incidents.models import Incident, RoleAssignment
from bot.library.playbooks import Library
from bot.scheduling.ledger import LATE_AFTER, Ledger
from bot.scheduling.models import ChatNotice


def known_groups(session: Session, settings: Settings) -> list[str]:
    """Every group the bot has worked with (incidents, roster, own schedule), within ALLOWED_CHAT_IDS."""
    found = set(session.exec(select(Incident.chat_id).distinct()))
    found |= set(session.exec(select(RoleAssignment.chat_id).distinct()))
    found |= set(session.exec(select(GroupSchedule.chat_id)))
    return sorted(chat for chat in found if settings.chat_allowed(chat))


def _first_seen(session: Session, chat_id: str, *, real_work_only: bool) -> datetime | None:
    """When the group first had a real incident or action item (or, for reminders, anything at all)."""
    moments = [
        session.exec(
            select(sa.func.min(Incident.opened_at)).where(Incident.chat_id == chat_id, Incident.is_drill.is_(False))
        ).first(),
        session.exec(select(sa.func.min(ActionItem.created_at)).where(ActionItem.chat_id == chat_id)).first(),
    ]
    if not real_work_only:
        moments.append(session.exec(select(sa.func.min(Incident.opened_at)).where(Incident.chat_id == chat_id)).first())
        moments.append(
            session.exec(
                select(sa.func.min(RoleAssignment.assigned_at)).where(RoleAssignment.chat_id == chat_id)
            ).first()
        )
        moments.append(
            session.exec(select(sa.func.min(GroupSchedule.updated_at)).where(GroupSchedule.chat_id == chat_id)).first()
        )
    found = [m for m in moments if m is not None]
    return min(found) if found else None


def _months(day: date) -> list[tuple[int, int]]:
    """This month and the one before (whose reminder may have moved into this month, past a holiday)."""
    before = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return [before, (day.year, day.month)]


def due(session: Session, settings: Settings, library: Library, now: datetime) -> Iterator[Due]:
    """The reviews and drill reminders whose time has come and that were not sent yet, one group's message at a
    time, each already noted in the group's ledger: the caller queues it and commits, so a quarter's reviews for
    many groups never hold the database's write lock for long (the review is computed before anything is
    written). A group that had no real incident or action item before the review time gets no review of the
    quarter before it. Runs on every sweep: what was sent is read in one query, moments once per cadence."""
    tz = settings.tz
    today = now.astimezone(tz).date()
    quarter = Quarter.of(today)
    groups = known_groups(session, settings)
    cadences = schedules.all_cadences(session, groups, settings)
    review_key = f"review:{quarter.previous.label}:review"
    drill_keys = {(year, month): f"drill_reminder:{year}-{month:02d}:remind" for year, month in _months(today)}
    sent = _sent(session, [review_key, *drill_keys.values()])
    for chat_id in groups:
        cadence = cadences[chat_id]
        ledger = Ledger(session, chat_id=chat_id)
        moment = schedules.review_moment(quarter, cadence, tz)
        if (
            _came(moment, now)
            and (chat_id, review_key) not in sent
            and _active_before(session, chat_id, moment, real_work_only=True)
        ):
            data = review.compute(session, quarter=quarter.previous, library=library, tz=tz, now=now, chat_id=chat_id)
            ledger.note(review_key, now)
            yield Due(review_key, reviewviews.outputs(data, chat_id=chat_id, late=now - moment > LATE_AFTER))
        for (year, month), key in drill_keys.items():
            moment = schedules.drill_moment(year, month, cadence, tz)
            if (
                not _came(moment, now)
                or moment.astimezone(tz).month != today.month
                or (chat_id, key) in sent
                or not _active_before(session, chat_id, moment, real_work_only=False)
            ):
                continue
            ledger.note(key, now)
            text = drill_reminder(library, settings, late=now - moment > LATE_AFTER)
            yield Due(key, [Outbound(chat_id=chat_id, text=text)])


@dataclass(frozen=True)
class Due:
    key: str  # the notice key (per group), also what the outbox rows are keyed by
    messages: list[Outbound]


def _came(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now


def _sent(session: Session, keys: list[str]) -> set[tuple[str, str]]:
    return set(session.exec(select(ChatNotice.chat_id, ChatNotice.key).where(ChatNotice.key.in_(keys))))


def _active_before(session: Session, chat_id: str, moment: datetime, *, real_work_only: bool) -> bool:
    first = _first_seen(session, chat_id, real_work_only=real_work_only)
    return first is not None and first < moment


def drill_reminder(library: Library, settings: Settings, *, late: bool) -> str:
    from bot.core.wording import say
    from bot.library import drills
    from bot.library.playbooks import PlaybookError

    try:
        scenarios = list(drills.load(settings.playbook_dir).scenarios.values())
    except PlaybookError:  # never a good version: the reminder still goes out, /演练 列表 explains the problem
        scenarios = []
    return say("drill_reminder", late=late, scenarios=scenarios)


def next_moment(session: Session, settings: Settings, now: datetime) -> datetime | None:
    """The earliest review or drill reminder still ahead of `now` (for the scheduler's wake-up)."""
    tz = settings.tz
    today = now.astimezone(tz).date()
    quarter = Quarter.of(today)
    next_month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    ahead = []
    for cadence in set(schedules.all_cadences(session, known_groups(session, settings), settings).values()):
        candidates = [
            schedules.review_moment(quarter, cadence, tz),
            schedules.review_moment(quarter.next, cadence, tz),
            schedules.drill_moment(today.year, today.month, cadence, tz),
            schedules.drill_moment(*next_month, cadence, tz),
        ]
        ahead += [m for m in candidates if m is not None and m > now]
    return min(ahead, default=None)
