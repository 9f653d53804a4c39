"""The one definition of a playbook step's state at a moment: the incident's close, or now while it is open.

- `met`: done by its deadline;  `late`: done after it;
- `missed`: the deadline passed before that moment and the step is not done;
- `not_due`: not done, and the moment came before its deadline (an incident closed early);
- `skipped`: its condition (level, negative share …) never held, so it never applied.

Only `met`, `late` and `missed` steps were due: the on-time rate is met / due (the retro JSON's `steps_met` /
`steps_total`, the quarterly review's ratio). The retro's KPIs, step table and Gantt, the /状态 card and the
quarterly review all take a step's state from here; its words are `step_states` in templates/labels.yaml, where
an open incident shows `not_due`, `missed` and `skipped` as still running (`open`, `overdue`, `untriggered`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.clock.now import as_utc
from bot.core import labels
from bot.incidents.models import Incident
from bot.steps.models import IncidentStep

MET, LATE, MISSED, NOT_DUE, SKIPPED = "met", "late", "missed", "not_due", "skipped"
STATES = (MET, LATE, MISSED, NOT_DUE, SKIPPED)
DUE = (MET, LATE, MISSED)  # the steps that were due at the moment: the on-time rate's denominator
WHILE_OPEN = {NOT_DUE: "open", MISSED: "overdue", SKIPPED: "untriggered"}  # how an open incident words them


def state_at(*, applies: bool, due_at: datetime | None, done_at: datetime | None, at: datetime) -> str:
    """The state of a step at the moment `at`. `applies`: its condition held (so it has a deadline)."""
    if done_at is not None:
        return MET if due_at is None or as_utc(done_at) <= as_utc(due_at) else LATE
    if not applies or due_at is None:
        return SKIPPED
    return MISSED if as_utc(at) > as_utc(due_at) else NOT_DUE


def moment(incident: Incident, now: datetime) -> datetime:
    """The moment an incident's steps are judged at: its close, or `now` while it is open."""
    return as_utc(incident.closed_at) if incident.closed_at else as_utc(now)


def of_row(row: IncidentStep, at: datetime) -> str:
    """The state of a recorded step row at `at`."""
    done_at = row.done_at if row.status == "done" else None
    return state_at(applies=row.active, due_at=row.due_at, done_at=done_at, at=at)


def of_retro_step(step: dict, at: datetime) -> str:
    """The state of a step of the retro JSON (its `state`, or from its due and done times at `at` when the
    document predates the field)."""
    if step.get("state") in STATES:
        return step["state"]
    done = datetime.fromisoformat(step["done_at"]) if step.get("done_at") else None
    return state_at(applies=True, due_at=datetime.fromisoformat(step["due_at"]), done_at=done, at=at)


def word(state: str, *, closed: bool) -> str:
    """What people read for a state: final after the close ("未到期（结案时）", "已错过", "已跳过"), still running
    while the incident is open ("进行中", "逾期未完成", "未触发")."""
    return labels.label("step_states", state if closed else WHILE_OPEN.get(state, state))


def verdict(state: str) -> bool | None:
    """True for met, False for late or missed, None when there is nothing to judge (not due, skipped)."""
    return {MET: True, LATE: False, MISSED: False}.get(state)


@dataclass(frozen=True)
class Tally:
    """How many steps are in each state."""

    met: int = 0
    late: int = 0
    missed: int = 0
    not_due: int = 0
    skipped: int = 0

    @property
    def due(self) -> int:
        return self.met + self.late + self.missed


def tally(states: Iterable[str]) -> Tally:
    found = list(states)
    return Tally(**{state: found.count(state) for state in STATES})
