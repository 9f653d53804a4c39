"""The sweep: from DB state alone, decide which step prompts, reminders, overdue notices and
escalations are due, and queue each exactly once (a Notice row per message, written in the same
transaction as its outbox row). A notice whose time passed while the bot was down goes out once,
marked late (补发: only when the bot already knew of it then, see `missed_while_offline`); earlier stages
it made pointless (a "15 minutes left" after the deadline) are recorded as superseded instead of sent."""

from __future__ import annotations

import hashlib
import logging
import time as timer
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.config import Settings
from bot.core import outbox
from bot.core.messages import Outbound
from bot.core.wording import say
from bot.drills import run as drill_runs
from bot.followups import actions, task_sync
from bot.followups.flows import due as followups_due
from bot.followups.models import ActionItem
from bot.incidents import names, roster
from bot.incidents.models import Incident
from bot.library.playbooks import Library, Playbook, PlaybookError, current_error
from bot.library.playbooks import load as load_playbooks
from bot.scheduling.ledger import Ledger, latest_unsent
from bot.steps import flows as step_flows
from bot.steps import service as steps
from bot.steps.models import IncidentStep

log = logging.getLogger(__name__)

STAGES = ("remind", "overdue", "escalate")
SLOW_SWEEP_SECONDS = 5.0  # a sweep slower than this is worth a warning (the interval is 15 s)


@dataclass(frozen=True)
class Due:
    """A stage of a step whose time has come."""

    row: IncidentStep
    stage: str  # remind | overdue | escalate
    at: datetime
    late: bool


def stage_times(row: IncidentStep, playbook: Playbook, scale: float = 1.0) -> dict[str, datetime]:
    """`scale`: a compressed drill's time scale (reminder lead and escalation delay shrink with the deadlines)."""
    step = playbook.step(row.step_id)
    if row.due_at is None or step is None:
        return {}
    return {
        "remind": row.due_at - step.remind_before / scale,
        "overdue": row.due_at,
        "escalate": row.due_at + step.escalate_after / scale,
    }


def due_stages(
    session: Session, incident: Incident, playbook: Playbook, rows: list[IncidentStep], now: datetime
) -> list[Due]:
    """For each open active step, the latest stage whose time passed and was not yet noticed."""
    found = []
    for row in rows:
        if row.status != "open" or not row.active or row.due_at is None:
            continue
        times = stage_times(row, playbook, incident.time_scale or 1.0)
        hit = latest_unsent(
            Ledger(session, incident.id),
            f"step:{row.step_id}:{row.due_at.isoformat()}",
            {stage: times[stage] for stage in STAGES},
            now,
        )
        if hit is not None:
            found.append(Due(row, hit[0], hit[1], late=hit[2] and missed_while_offline(hit[1], row.prompted_at)))
    return found


def missed_while_offline(stage_at: datetime, known_since: datetime | None) -> bool:
    """Whether a late notice was due while the bot already knew about it (so only downtime explains the delay):
    a deadline already past when the bot learned of it (a backdated crisis start, an item created late) is
    not 补发 — the bot was never offline at that time."""
    return known_since is None or stage_at > as_utc(known_since)


def action_notices(session: Session, settings: Settings, now: datetime) -> list[Outbound]:
    """Open action items: a reminder to the owners at 10:00 on the due date, an overdue notice to
    the owners and the lead the next morning (each once; a deferral re-arms them). One source of reminders: an
    item mirrored as a Feishu task that carries its due date is reminded by Feishu Tasks, so it gets only the
    overdue notice here (bot.followups.task_sync)."""
    messages = []
    reminded_there = task_sync.reminded_there(session) if settings.feishu_tasks else set()
    due_items = session.exec(select(ActionItem).where(ActionItem.status == "open", ActionItem.due.is_not(None)))
    for item in due_items:
        morning = datetime.combine(item.due, time(10, 0), tzinfo=settings.tz)
        stages = {"due": morning, "overdue": morning + timedelta(days=1)}
        if item.id in reminded_there:
            del stages["due"]
        hit = latest_unsent(Ledger(session, item.incident_id), f"action:{item.id}:{item.due.isoformat()}", stages, now)
        if hit is None:
            continue
        stage, stage_at, late = hit
        late = late and missed_while_offline(stage_at, item.created_at)
        messages.append(
            Outbound(
                chat_id=item.chat_id,
                text=say(
                    f"action_{stage}",
                    item=item,
                    owners=actions.owners_of(item),
                    late=late,
                    leads=roster.holders(session, item.chat_id, "lead"),
                ),
            )
        )
    return messages


def unprompted(rows: list[IncidentStep]) -> dict[str, list[IncidentStep]]:
    """Active open steps not yet announced, grouped by role (one card per role)."""
    by_role: dict[str, list[IncidentStep]] = {}
    for row in rows:
        if row.active and row.status == "open" and row.prompted_at is None:
            by_role.setdefault(row.role, []).append(row)
    return by_role


def sweep_incident(
    session: Session, incident: Incident, library: Library, settings: Settings, now: datetime
) -> list[Outbound]:
    playbook = library.playbooks.get(incident.playbook)
    if playbook is None:
        return []
    rows = steps.sync(session, incident, playbook)
    fresh = unprompted(rows)
    for row in (row for role_rows in fresh.values() for row in role_rows):
        row.prompted_at = now
        session.add(row)
    messages = step_flows.role_cards_due(
        session, incident, playbook, rows, fresh=set(fresh), settings=settings, now=now
    )
    for due in due_stages(session, incident, playbook, rows, now):
        messages.append(step_flows.stage_notice(session, incident, playbook, due, settings=settings, now=now))
    return messages


def _tell_broken(session: Session, incident: Incident, problems: str, now: datetime) -> int:
    """Tell the group once per distinct breakage that an edit broke the playbooks."""
    key = f"playbook_error:{hashlib.sha256(problems.encode()).hexdigest()[:16]}"
    ledger = Ledger(session, incident.id)
    if ledger.sent(key):
        return 0
    ledger.note(key, now)
    outbox.enqueue(
        session,
        [Outbound(chat_id=incident.chat_id, text=say("playbooks_broken", problems=problems))],
        key=f"{key}:{incident.id}",
    )
    return 1


def _lock(session: Session) -> bool:
    """One sweeper at a time across processes sharing a PostgreSQL database."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.exec(sa.select(sa.func.pg_try_advisory_xact_lock(0x5C1A7E))).scalar())


def sweep(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Queue everything due for every open incident; returns how many messages were queued. A sweep that
    queued something is logged at INFO; one that found nothing (the usual case) only at DEBUG."""
    started = timer.monotonic()
    queued = _sweep(engine, settings, now=now)
    seconds = timer.monotonic() - started
    if seconds > SLOW_SWEEP_SECONDS:
        log.warning("sweep took %.1f s (queued %d message(s))", seconds, queued)
    elif queued:
        log.info("sweep queued %d message(s) in %.0f ms", queued, seconds * 1000)
    else:
        log.debug("sweep found nothing due (%.0f ms)", seconds * 1000)
    return queued


def _sweep(engine: Engine, settings: Settings, *, now: datetime) -> int:
    try:
        library = load_playbooks(settings.playbook_dir)
    except PlaybookError:
        log.exception("no usable playbooks: reminders are paused until they are fixed")
        return 0
    queued = 0
    with Session(engine) as session:
        if not _lock(session):
            return 0
        open_ids = session.exec(select(Incident.id).where(Incident.status == "open")).all()
        broken = current_error(settings.playbook_dir)
        for incident_id in open_ids:
            if broken:
                queued += _tell_broken(session, session.get(Incident, incident_id), broken, now)
            incident = session.get(Incident, incident_id)
            messages = sweep_incident(session, incident, library, settings, now)
            for index, message in enumerate(messages):
                outbox.enqueue(session, [message], key=f"sweep:{incident_id}:{now.isoformat()}:{index}")
            queued += len(messages)
        followups = action_notices(session, settings, now)
        outbox.enqueue(session, followups, key=f"sweep:actions:{now.isoformat()}")
        queued += len(followups)
        injects = drill_runs.due_injects(session, settings, library, now, prompt_steps=sweep_incident)
        outbox.enqueue(session, injects, key=f"sweep:drills:{now.isoformat()}")
        queued += len(injects)
        session.commit()
        for due in followups_due(session, settings, library, now):  # one group at a time, each committed
            try:
                outbox.enqueue(session, due.messages, key=f"sweep:{due.messages[0].chat_id}:{due.key}")
                session.commit()
            except IntegrityError:  # another process sent it first (its notice row won): nothing to do
                session.rollback()
                continue
            queued += len(due.messages)
    return queued


def refresh_names(engine: Engine, reader, *, now: datetime) -> int:
    """Groups with an open incident get their member names looked up again when the cache is due (bot.incidents.names):
    outside any event's transaction, so a slow platform never holds up processing."""
    return names.refresh_due(engine, reader.members, now)
