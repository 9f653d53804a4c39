"""The sweep: from DB state alone, decide which step prompts, reminders, overdue notices and
escalations are due, and queue each exactly once (a Notice row per message, written in the same
transaction as its outbox row). A notice whose time passed while the bot was down goes out once,
marked late; earlier stages it made pointless (a "15 minutes left" after the deadline) are
recorded as superseded instead of sent."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import outbox, steps
from bot.config import Settings
from bot.messages import Outbound
from bot.models import Incident, IncidentStep, Notice
from bot.playbooks import Library, Playbook, PlaybookError, current_error
from bot.playbooks import load as load_playbooks

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=2)
STAGES = ("remind", "overdue", "escalate")


@dataclass(frozen=True)
class Due:
    """A stage of a step whose time has come."""

    row: IncidentStep
    stage: str  # remind | overdue | escalate
    at: datetime
    late: bool


def stage_times(row: IncidentStep, playbook: Playbook) -> dict[str, datetime]:
    step = playbook.step(row.step_id)
    if row.due_at is None or step is None:
        return {}
    return {"remind": row.due_at - step.remind_before, "overdue": row.due_at,
            "escalate": row.due_at + step.escalate_after}


def _sent(session: Session, incident_id: int, key: str) -> bool:
    stmt = select(Notice.id).where(Notice.incident_id == incident_id, Notice.key == key)
    return session.exec(stmt).first() is not None


def _note(session: Session, incident_id: int, key: str, at: datetime) -> None:
    session.add(Notice(incident_id=incident_id, key=key, sent_at=at))


def due_stages(session: Session, incident: Incident, playbook: Playbook, rows: list[IncidentStep],
               now: datetime) -> list[Due]:
    """For each open active step, the latest stage whose time passed and was not yet noticed.
    Keys carry the deadline, so a recomputed deadline re-arms its reminders."""
    found = []
    for row in rows:
        if row.status != "open" or not row.active or row.due_at is None:
            continue
        times = stage_times(row, playbook)
        passed = [stage for stage in STAGES if times[stage] <= now]
        if not passed:
            continue
        latest = passed[-1]
        stamp = row.due_at.isoformat()
        for stage in passed[:-1]:
            key = f"step:{row.step_id}:{stage}:{stamp}"
            if not _sent(session, incident.id, key):
                _note(session, incident.id, key, now)  # superseded by a later stage
        key = f"step:{row.step_id}:{latest}:{stamp}"
        if not _sent(session, incident.id, key):
            _note(session, incident.id, key, now)
            found.append(Due(row, latest, times[latest], late=now - times[latest] > LATE_AFTER))
    return found


def unprompted(rows: list[IncidentStep]) -> dict[str, list[IncidentStep]]:
    """Active open steps not yet announced, grouped by role (one card per role)."""
    by_role: dict[str, list[IncidentStep]] = {}
    for row in rows:
        if row.active and row.status == "open" and row.prompted_at is None:
            by_role.setdefault(row.role, []).append(row)
    return by_role


def sweep_incident(session: Session, incident: Incident, library: Library, settings: Settings,
                   now: datetime) -> list[Outbound]:
    from bot import views

    playbook = library.playbooks.get(incident.playbook)
    if playbook is None:
        return []
    rows = steps.sync(session, incident, playbook)
    messages: list[Outbound] = []
    for role, role_rows in unprompted(rows).items():
        for row in role_rows:
            row.prompted_at = now
            session.add(row)
        messages.append(views.role_card(session, incident, playbook, role, settings=settings, now=now))
    for due in due_stages(session, incident, playbook, rows, now):
        messages.append(views.stage_notice(session, incident, playbook, due, settings=settings, now=now))
    return messages


def _tell_broken(session: Session, incident: Incident, problems: str, now: datetime) -> int:
    """Tell the group once per distinct breakage that an edit broke the playbooks."""
    from bot.wording import say

    key = f"playbook_error:{hashlib.sha256(problems.encode()).hexdigest()[:16]}"
    if _sent(session, incident.id, key):
        return 0
    _note(session, incident.id, key, now)
    outbox.enqueue(session, [Outbound(chat_id=incident.chat_id, text=say("playbooks_broken", problems=problems))],
                   key=f"{key}:{incident.id}")
    return 1


def _lock(session: Session) -> bool:
    """One sweeper at a time across processes sharing a PostgreSQL database."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.exec(sa.select(sa.func.pg_try_advisory_xact_lock(0x5C1A7E))).scalar())


def sweep(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Queue everything due for every open incident; returns how many messages were queued."""
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
        session.commit()
    return queued
