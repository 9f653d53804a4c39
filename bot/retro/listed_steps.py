"""The playbook steps a retro lists, mirroring `bot.steps.service.sync` without writing: a done step keeps the
deadline it had when done; an open one is due by the one deadline formula (`bot.steps.service.due_at`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.clock.now import as_utc
from bot.incidents.models import Incident
from bot.library.playbooks import Playbook
from bot.steps import service as steps


@dataclass(frozen=True)
class ListedStep:
    id: str
    title: str
    role: str
    due_at: datetime
    done_at: datetime | None

    @property
    def met(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at


def listed_steps(
    session: Session, incident: Incident, playbook: Playbook | None, peak_negative: float | None
) -> list[ListedStep]:
    """The steps that apply (condition held, or active when recorded), in playbook order, then the recorded steps
    since removed from the playbook. A done step keeps the deadline it had when done, an open one is due by the
    current level's deadline."""
    rows = {row.step_id: row for row in steps.for_incident(session, incident.id)}
    listed: list[ListedStep] = []
    known: set[str] = set()
    for step in playbook.steps if playbook else ():
        known.add(step.id)
        row = rows.get(step.id)
        if row is not None and row.status == "done":
            due = as_utc(row.due_at) if row.due_at else steps.due_at(step, incident)
            listed.append(ListedStep(step.id, step.title, step.role, due, as_utc(row.done_at or row.due_at or due)))
        elif (row is not None and row.active) or steps.condition_holds(step, incident, peak_negative):
            listed.append(ListedStep(step.id, step.title, step.role, steps.due_at(step, incident), None))
    for row in sorted(rows.values(), key=lambda r: r.position):  # steps since removed from the playbook
        if row.step_id in known or not row.active or row.due_at is None:
            continue
        done_at = as_utc(row.done_at) if row.status == "done" and row.done_at else None
        listed.append(ListedStep(row.step_id, row.step_id, row.role, as_utc(row.due_at), done_at))
    return listed
