"""Step messages with the data they need: the group's roster, the role's step rows, the level's lead,
the role card already in the chat (updated in place). Reads only; the step writes are in service.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.core.messages import Outbound
from bot.incidents import roster
from bot.incidents import service as incident_service
from bot.incidents.models import Incident
from bot.library.playbooks import Library, Playbook
from bot.library.playbooks import load as load_playbooks
from bot.steps import messaging
from bot.steps import service as step_service
from bot.steps.models import IncidentStep
from bot.steps.service import Completion


@dataclass
class Marked:
    """What `/完成 <步骤ID>` did: the row (None for an unknown id), its outcome, and the notes to post."""

    row: IncidentStep | None
    outcome: str = ""  # a Completion outcome; "" when the id is unknown
    active: list[IncidentStep] = field(default_factory=list)  # the steps one could name instead
    notes: list[Outbound] = field(default_factory=list)


def mark_done(
    session: Session,
    incident: Incident,
    playbook: Playbook | None,
    step_id: str,
    *,
    at: datetime,
    by: str,
    settings: Settings,
    now: datetime,
) -> Marked:
    """`/完成 <步骤ID>`: complete the step at event time `at` (an approver's completion approves it)."""
    rows = step_service.sync(session, incident, playbook) if playbook else []
    row = next((r for r in rows if r.step_id == step_id), None)
    if row is None:
        return Marked(None, active=[r for r in rows if r.active])
    completion = step_service.complete(session, incident, playbook, row, at=at, by=by)
    if completion.outcome in messaging.SILENT:
        return Marked(row, completion.outcome)
    return Marked(
        row, completion.outcome, notes=completion_notes(session, incident, [completion], settings=settings, now=now)
    )


def done_by_button(
    session: Session,
    incident: Incident,
    playbook: Playbook,
    row: IncidentStep,
    *,
    at: datetime,
    by: str,
    card_message_id: str,
    settings: Settings,
) -> list[Outbound]:
    """The 完成 button: complete the step, confirm it, and update the pressed card in place (once: a
    double click changes nothing and says nothing)."""
    completion = step_service.complete(session, incident, playbook, row, at=at, by=by)
    if completion.outcome in messaging.SILENT:
        return []
    notes = completion_notes(session, incident, [completion], settings=settings, now=at)
    if not any(n.update_message_id == card_message_id for n in notes):
        notes.append(
            role_card(
                session, incident, playbook, row.role, settings=settings, now=at, update_message_id=card_message_id
            )
        )
    return notes


def lead_role(library: Library, incident: Incident) -> str:
    """The role that leads an incident at its level (ops at level 2, the lead at level 1 in the seed)."""
    return library.severity.levels[incident.level].lead_role


def role_card(
    session: Session,
    incident: Incident,
    playbook: Playbook,
    role: str,
    *,
    settings: Settings,
    now: datetime,
    update_message_id: str = "",
) -> Outbound:
    """The role's card: its active steps, owners and buttons."""
    rows = [r for r in step_service.for_incident(session, incident.id) if r.role == role and r.active]
    return messaging.role_card(
        incident,
        playbook,
        role,
        rows,
        members=roster.roster(session, incident.chat_id),
        lead_role=lead_role(load_playbooks(settings.playbook_dir), incident),
        settings=settings,
        now=now,
        update_message_id=update_message_id,
    )


def stage_notice(
    session: Session, incident: Incident, playbook: Playbook, due, *, settings: Settings, now: datetime
) -> Outbound:
    """A step's reminder, overdue notice or escalation, to its owners (and leads)."""
    return messaging.stage_notice(
        incident,
        playbook,
        due,
        members=roster.roster(session, incident.chat_id),
        lead_role=lead_role(load_playbooks(settings.playbook_dir), incident),
        settings=settings,
        now=now,
    )


def completion_notes(
    session: Session, incident: Incident, completions: list[Completion], *, settings: Settings, now: datetime
) -> list[Outbound]:
    """A short confirmation per completed step, and the role cards already sent updated in place."""
    playbook = load_playbooks(settings.playbook_dir).playbooks.get(incident.playbook)
    if playbook is None:
        return []
    spoken = [c for c in completions if c.outcome not in messaging.SILENT]
    out = [messaging.completion_note(incident, playbook, c, settings=settings, now=now) for c in spoken]
    for role in {c.row.role for c in spoken}:
        card_id = incident_service.sent_message_of(session, messaging.role_card_ref(incident.id, role))
        if card_id:
            out.append(
                role_card(session, incident, playbook, role, settings=settings, now=now, update_message_id=card_id)
            )
    return out


def help_request(
    session: Session, incident: Incident, playbook: Playbook, row: IncidentStep, *, user_id: str, library: Library
) -> str:
    """The 需要帮助 message: the step and the level's lead @mentioned."""
    leads = roster.holders(session, incident.chat_id, lead_role(library, incident))
    return messaging.help_request(user_id, playbook, row, leads=leads)
