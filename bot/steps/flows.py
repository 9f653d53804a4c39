"""Step messages with the data they need: the group's roster, the role's step rows, the level's lead. One live
card per role per incident (bot.core.live_messages): a card queued here records what it shows, and when the
level, deadlines, steps or owners change, the role's card is queued again and lands on the same message.
The step writes are in service.py."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.core import live_messages
from bot.core.messages import Outbound
from bot.incidents import roster
from bot.incidents.models import Incident
from bot.incidents.roster import Member
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
    settings: Settings,
) -> list[Outbound]:
    """The 完成 button: complete the step, confirm it, and update the role's card in place (once: a double
    click changes nothing and says nothing)."""
    completion = step_service.complete(session, incident, playbook, row, at=at, by=by)
    if completion.outcome in messaging.SILENT:
        return []
    notes = completion_notes(session, incident, [completion], settings=settings, now=at)
    if not any(n.ref == messaging.role_card_ref(incident.id, row.role) for n in notes):
        notes.append(role_card(session, incident, playbook, row.role, settings=settings, now=at))
    return notes


def lead_role(library: Library, incident: Incident) -> str:
    """The role that leads an incident at its level (ops at level 2, the lead at level 1 in the seed)."""
    return library.severity.levels[incident.level].lead_role


def role_card(
    session: Session, incident: Incident, playbook: Playbook, role: str, *, settings: Settings, now: datetime
) -> Outbound:
    """The role's live card (its active steps, owners and buttons), recorded as what the chat now shows."""
    rows, members, lead = _card_data(session, incident, role, settings=settings)
    ref = messaging.role_card_ref(incident.id, role)
    live_messages.note_shown(session, ref, _fingerprint(incident, playbook, role, rows, members, lead), now=now)
    return messaging.role_card(
        incident, playbook, role, rows, members=members, lead_role=lead, settings=settings, now=now
    )


def role_cards_due(
    session: Session,
    incident: Incident,
    playbook: Playbook,
    rows: list[IncidentStep],
    *,
    fresh: set[str],
    settings: Settings,
    now: datetime,
) -> list[Outbound]:
    """The role cards to queue now: the `fresh` roles (steps not yet announced), and every role whose card shows
    something else than it would now (a level change moved deadlines, a step was done, owners changed). Each
    updates the role's card in place once there is one."""
    members = roster.roster(session, incident.chat_id)
    lead = lead_role(load_playbooks(settings.playbook_dir), incident)
    cards = []
    for role in dict.fromkeys(r.role for r in rows if r.active):
        if role not in fresh:
            shown = live_messages.shown(session, messaging.role_card_ref(incident.id, role))
            card_rows = [r for r in rows if r.role == role and r.active]
            if shown is None or shown == _fingerprint(incident, playbook, role, card_rows, members, lead):
                continue
        cards.append(role_card(session, incident, playbook, role, settings=settings, now=now))
    return cards


def _card_data(
    session: Session, incident: Incident, role: str, *, settings: Settings
) -> tuple[list[IncidentStep], dict[str, list[Member]], str]:
    """What a role's card shows: its active step rows, the group's roster, the level's lead role."""
    rows = [r for r in step_service.for_incident(session, incident.id) if r.role == role and r.active]
    lead = lead_role(load_playbooks(settings.playbook_dir), incident)
    return rows, roster.roster(session, incident.chat_id), lead


def _fingerprint(
    incident: Incident,
    playbook: Playbook,
    role: str,
    rows: list[IncidentStep],
    members: dict[str, list[Member]],
    lead: str,
) -> str:
    """What a role card shows apart from the passing of time: level, steps with deadlines and states, people."""

    def when(at: datetime | None) -> str:
        return at.isoformat() if at else ""

    steps = []
    for row in rows:
        step = playbook.step(row.step_id)
        steps.append(
            [row.step_id, row.status, when(row.due_at), when(row.done_at), row.claimed_by, row.approved_by]
            + ([step.title, step.hint, step.approver] if step else [])
        )
    people = [[m.user_id for m in members.get(role, [])], [m.user_id for m in members.get(lead, [])]]
    shown = json.dumps([incident.level, incident.title, steps, people], ensure_ascii=False, default=str)
    return hashlib.sha256(shown.encode()).hexdigest()


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
    """A short confirmation per completed step, and the role cards already in the chat updated in place."""
    playbook = load_playbooks(settings.playbook_dir).playbooks.get(incident.playbook)
    if playbook is None:
        return []
    spoken = [c for c in completions if c.outcome not in messaging.SILENT]
    out = [messaging.completion_note(incident, playbook, c, settings=settings, now=now) for c in spoken]
    for role in dict.fromkeys(c.row.role for c in spoken):
        if live_messages.shown(session, messaging.role_card_ref(incident.id, role)) is not None:
            out.append(role_card(session, incident, playbook, role, settings=settings, now=now))
    return out


def help_request(
    session: Session, incident: Incident, playbook: Playbook, row: IncidentStep, *, user_id: str, library: Library
) -> str:
    """The 需要帮助 message: the step and the level's lead @mentioned."""
    leads = roster.holders(session, incident.chat_id, lead_role(library, incident))
    return messaging.help_request(user_id, playbook, row, leads=leads)
