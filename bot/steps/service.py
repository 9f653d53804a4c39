"""Playbook steps of an incident: which apply (conditions), when they are due (deadline per
level from the crisis start), and how they get done (command, button, statement, phrase)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.incidents import roster
from bot.incidents.models import Incident
from bot.library.playbooks import Playbook, Step
from bot.steps.models import IncidentStep
from bot.timeline import samples

STATEMENT_STEPS = {"initial": ("first_response",), "formal": ("formal_statement", "first_response")}


def condition_holds(step: Step, incident: Incident, peak_negative: float | None) -> bool:
    if step.when is None:
        return True
    if step.when.level is not None and incident.level != step.when.level:
        return False
    if step.when.negative_ratio_above is not None and (peak_negative or 0) <= step.when.negative_ratio_above:
        return False
    return True


def due_at(step: Step, incident: Incident) -> datetime:
    """The one deadline formula: the crisis start plus the step's deadline for the incident's current level, run
    faster by a drill's time scale. Open steps are due then; a done step keeps the deadline it had when done."""
    return as_utc(incident.started_at) + step.deadline[incident.level] / (incident.time_scale or 1.0)


def sync(session: Session, incident: Incident, playbook: Playbook) -> list[IncidentStep]:
    """Bring the incident's steps in line with the playbook, its level and its data: a row per
    step; open steps get their deadline for the current level (done steps keep theirs)."""
    rows = _in_line(session, incident, playbook, {row.step_id: row for row in for_incident(session, incident.id)})
    for row in rows:
        session.add(row)
    session.flush()
    return rows


def projected(session: Session, incident: Incident, playbook: Playbook) -> list[IncidentStep]:
    """The incident's steps as `sync` would leave them, without writing: detached copies (the status card)."""
    copies = {row.step_id: IncidentStep(**row.model_dump()) for row in for_incident(session, incident.id)}
    return _in_line(session, incident, playbook, copies)


def _in_line(
    session: Session, incident: Incident, playbook: Playbook, rows: dict[str, IncidentStep]
) -> list[IncidentStep]:
    peak = max((s.value for s in samples.series(session, incident.id, "negative_ratio")), default=None)
    for position, step in enumerate(playbook.steps):
        row = rows.get(step.id)
        if row is None:
            row = IncidentStep(incident_id=incident.id, step_id=step.id, role=step.role, position=position)
            rows[step.id] = row
        row.position, row.role = position, step.role
        if row.status == "open":
            row.active = row.active or condition_holds(step, incident, peak)  # once it applied, it stays
            row.due_at = due_at(step, incident) if row.active else None
    return sorted(rows.values(), key=lambda r: r.position)


def for_incident(session: Session, incident_id: int) -> list[IncidentStep]:
    stmt = select(IncidentStep).where(IncidentStep.incident_id == incident_id).order_by(IncidentStep.position)
    return list(session.exec(stmt))


def get(session: Session, incident_id: int, step_id: str) -> IncidentStep | None:
    stmt = select(IncidentStep).where(IncidentStep.incident_id == incident_id, IncidentStep.step_id == step_id)
    return session.exec(stmt).first()


@dataclass(frozen=True)
class Completion:
    row: IncidentStep
    outcome: str  # done | approved | awaiting_approval | already | not_active


def complete(
    session: Session, incident: Incident, playbook: Playbook, row: IncidentStep, *, at: datetime, by: str
) -> Completion:
    """Mark a step done at event time `at`. A step with an approver is approved when someone
    holding that role completes it (or confirms it after its owner did)."""
    step = playbook.step(row.step_id)
    approver_role = step.approver if step else None
    is_approver = bool(approver_role) and approver_role in roster.roles_of(session, incident.chat_id, by)
    if row.status == "done":
        if approver_role and not row.approved_by and is_approver:
            row.approved_by, row.approved_at = by, at
            session.add(row)
            return Completion(row, "approved")
        return Completion(row, "already")
    if not row.active:
        return Completion(row, "not_active")
    row.status, row.done_at, row.done_by = "done", at, by
    outcome = "done"
    if approver_role:
        if is_approver:
            row.approved_by, row.approved_at = by, at
            outcome = "approved"
        else:
            outcome = "awaiting_approval"
    session.add(row)
    session.flush()
    return Completion(row, outcome)


def claim(session: Session, row: IncidentStep, *, at: datetime, by: str) -> bool:
    if row.claimed_by == by or row.status == "done":
        return False
    row.claimed_by, row.claimed_at = by, at
    session.add(row)
    return True


def complete_by_statement(
    session: Session, incident: Incident, playbook: Playbook, kind: str, *, at: datetime, by: str
) -> list[Completion]:
    """A public response completes first_response (and formal_statement for a formal one)."""
    sync(session, incident, playbook)
    done = []
    for step_id in STATEMENT_STEPS.get(kind, ()):
        row = get(session, incident.id, step_id)
        if row is not None and row.status == "open" and row.active:
            done.append(complete(session, incident, playbook, row, at=at, by=by))
    return done


def complete_by_phrase(
    session: Session, incident: Incident, playbook: Playbook, text: str, *, at: datetime, by: str
) -> list[Completion]:
    """A message from a step's role with one of its `done_when` phrases completes it."""
    roles = set(roster.roles_of(session, incident.chat_id, by))
    if not roles:
        return []
    done = []
    for row in sync(session, incident, playbook):
        step = playbook.step(row.step_id)
        if (
            row.status == "open"
            and row.active
            and step is not None
            and step.role in roles
            and any(phrase in text for phrase in step.done_when)
        ):
            done.append(complete(session, incident, playbook, row, at=at, by=by))
    return done
