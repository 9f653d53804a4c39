"""The drill retro's score: per playbook step, the response time in scenario minutes (real minutes × speed)
against the playbook deadline for the level, met or not, and the share of steps met."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.clock.now import as_utc
from bot.drills.models import DrillRun
from bot.drills.timescale import scenario_minutes
from bot.incidents.models import Incident
from bot.library import drills as drill_files
from bot.library.playbooks import Library
from bot.retro.compute import listed_steps
from bot.scheduling.ledger import Ledger
from bot.steps import states
from bot.timeline import samples
from bot.timeline import service as timeline


@dataclass(frozen=True)
class StepScore:
    id: str
    title: str
    role: str
    deadline_minutes: int | float  # the playbook's deadline for the level, scenario minutes from the start
    response_minutes: int | float | None  # when it was done, scenario minutes from the start; None if not done
    met: bool | None  # None: not done and not yet due when the drill ended (not scored)


@dataclass(frozen=True)
class Score:
    scenario_id: str
    scenario_name: str
    speed: float
    status: str  # finished | stopped
    duration_minutes: int | float  # scenario minutes from the start to the end
    injects_posted: int
    injects_total: int
    first_response_minutes: int | float | None  # scenario minutes to the first public statement
    steps: list[StepScore]

    @property
    def scored(self) -> int:
        return sum(1 for step in self.steps if step.met is not None)

    @property
    def met(self) -> int:
        return sum(1 for step in self.steps if step.met)

    @property
    def percent(self) -> int | None:
        """Steps met among the steps scored, in % (rounded); None when no step was due."""
        return round(100 * self.met / self.scored) if self.scored else None


def score(
    session: Session, library: Library, run: DrillRun, incident: Incident, scenario: drill_files.Scenario | None
) -> Score:
    """The drill retro of an ended drill, from the recorded steps and statements."""
    ended = as_utc(incident.closed_at or run.finished_at)
    playbook = library.playbooks.get(incident.playbook)
    peak = max((s.value for s in samples.series(session, incident.id, "negative_ratio")), default=None)
    scored = []
    for step in listed_steps(session, incident, playbook, peak):
        met = states.verdict(states.state_at(applies=True, due_at=step.due_at, done_at=step.done_at, at=ended))
        scored.append(
            StepScore(
                step.id,
                step.title,
                step.role,
                scenario_minutes(run, step.due_at),
                scenario_minutes(run, step.done_at) if step.done_at is not None else None,
                met,
            )
        )
    statements = [e for e in timeline.entries(session, incident.id) if e.kind == "statement" and not e.recalled]
    total = len(scenario.injects) if scenario else 0
    posted = sum(1 for index in range(total) if Ledger(session, incident.id).sent(f"drill:inject:{index}"))
    return Score(
        scenario_id=run.scenario,
        scenario_name=scenario.name if scenario else run.scenario,
        speed=run.speed,
        status=run.status,
        duration_minutes=scenario_minutes(run, ended),
        injects_posted=posted,
        injects_total=total,
        first_response_minutes=scenario_minutes(run, statements[0].at) if statements else None,
        steps=scored,
    )
