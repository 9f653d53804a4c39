"""Follow-up flows across domains:
- a retro recommendation turned into an action item with one click (owners from the role, due date from the
  recommendation or the next quarterly review, never twice);
- follow-ups outside incidents, found by the sweep from DB state: the quarterly review (reviewing the quarter
  before) and the monthly drill reminder, per group, each once; after downtime sent late once, marked late."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.clock.quarters import Quarter
from bot.config import Settings
from bot.core.messages import Outbound
from bot.core.wording import say
from bot.followups import actions, messaging, review
from bot.followups.cadence import all_cadences, drill_moment, review_after, review_moment
from bot.followups.cadence import cadence as group_cadence
from bot.followups.models import ActionItem, GroupSchedule
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.models import Incident, RoleAssignment
from bot.library import drills
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import Library, PlaybookError
from bot.library.recommendations import load as load_recommendations
from bot.scheduling.ledger import LATE_AFTER, Ledger
from bot.scheduling.models import ChatNotice


class UnknownSuggestion(LookupError):
    """The pressed button names an incident of another group, or a recommendation that is gone."""


class NoOwner(LookupError):
    """Nobody holds the recommendation's role (nor the lead's) in the group."""

    def __init__(self, role: str, title: str) -> None:
        super().__init__(role)
        self.role, self.title = role, title


@dataclass(frozen=True)
class Suggested:
    item: ActionItem
    created: bool  # False: the team already had an item for this recommendation


def recommendation_to_item(
    chat_id: str, incident_id: int, rec_id: str, *, session: Session, settings: Settings, by: str, at: datetime
) -> Suggested:
    """One click on the retro card: the recommendation becomes an item owned by the role's members (the lead's
    when nobody holds it), due `within_days` after the click or else at the next quarterly review."""
    incident = incidents.get(session, incident_id)
    recommendation = load_recommendations(settings.playbook_dir)["recommendations"].get(rec_id)
    if incident is None or incident.chat_id != chat_id or recommendation is None:
        raise UnknownSuggestion(rec_id)
    title = recommendation["title"]
    existing = next((item for item in actions.for_incident(incident.id, session=session) if item.text == title), None)
    if existing is not None:
        return Suggested(existing, created=False)
    role = recommendation.get("role") or "lead"
    owners = roster.holders(session, chat_id, role) or roster.holders(session, chat_id, "lead")
    if not owners:
        raise NoOwner(role, title)
    if recommendation.get("within_days"):
        due = at.astimezone(settings.tz).date() + timedelta(days=recommendation["within_days"])
    else:
        due = review_after(at, group_cadence(session, chat_id, settings), settings.tz).date()
    item = actions.create(
        incident, session=session, text=title, owners=[m.user_id for m in owners], due=due, by=by, at=at
    )
    return Suggested(item, created=True)


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
    cadences = all_cadences(session, groups, settings)
    review_key = f"review:{quarter.previous.label}:review"
    drill_keys = {(year, month): f"drill_reminder:{year}-{month:02d}:remind" for year, month in _months(today)}
    sent = _sent(session, [review_key, *drill_keys.values()])
    for chat_id in groups:
        cadence = cadences[chat_id]
        ledger = Ledger(session, chat_id=chat_id)
        moment = review_moment(quarter, cadence, tz)
        if (
            _came(moment, now)
            and (chat_id, review_key) not in sent
            and _active_before(session, chat_id, moment, real_work_only=True)
        ):
            data = review.compute(
                session,
                quarter=quarter.previous,
                library=library,
                lexicon=load_lexicon(settings.playbook_dir),
                tz=tz,
                now=now,
                chat_id=chat_id,
            )
            ledger.note(review_key, now)
            yield Due(review_key, messaging.review_outputs(data, chat_id=chat_id, late=now - moment > LATE_AFTER))
        for (year, month), key in drill_keys.items():
            moment = drill_moment(year, month, cadence, tz)
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
    for cadence in set(all_cadences(session, known_groups(session, settings), settings).values()):
        candidates = [
            review_moment(quarter, cadence, tz),
            review_moment(quarter.next, cadence, tz),
            drill_moment(today.year, today.month, cadence, tz),
            drill_moment(*next_month, cadence, tz),
        ]
        ahead += [m for m in candidates if m is not None and m > now]
    return min(ahead, default=None)
