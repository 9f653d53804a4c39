"""Playbooks and severity levels: YAML data in PLAYBOOK_DIR, validated by pydantic at load
time. A broken file fails with its path, the field and the reason."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.library.lexicon import METRICS
from bot.library.loader import DataFileError, LastGood, validated
from bot.library.roles import ROLES, RoleId

log = logging.getLogger(__name__)

SEVERITY_FILE = "severity.yaml"
NOT_PLAYBOOKS = {SEVERITY_FILE, "lexicon.yaml"}


class PlaybookError(DataFileError):
    """`path: field: reason` for every problem found."""


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    above: float

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; known: {', '.join(METRICS)}")
        return value


class LevelRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    lead_role: RoleId
    summary: str
    enter_when: list[Threshold] = Field(default_factory=list)


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    negative_ratio_above: float = Field(0.20, gt=0, lt=1)


class Severity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    default_level: Literal[1, 2] = 2
    alert: Alert = Field(default_factory=Alert)
    levels: dict[Literal[1, 2], LevelRule]

    def upgrade_for(self, metric: str, value: float, current: int) -> tuple[int, Threshold] | None:
        """The more severe level a sample puts the incident in, with the threshold crossed."""
        for level in sorted(self.levels):
            if level >= current:
                break
            for rule in self.levels[level].enter_when:
                if rule.metric == metric and value > rule.above:
                    return level, rule
        return None


_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


def parse_duration(value: object) -> timedelta:
    """ "90m", "1h", "1h30m", "2d" (or a number of minutes) → timedelta; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        minutes = float(value)
    else:
        if str(value).strip().startswith("-"):
            raise ValueError(f"{value!r}: a duration must be positive, like 30m, 2h, 1h30m or 1d")
        match = _DURATION.match(str(value))
        if not match or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration like 30m, 2h, 1h30m or 1d")
        days, hours, mins = (int(g or 0) for g in match.groups())
        minutes = days * 1440 + hours * 60 + mins
    if minutes <= 0:
        raise ValueError(f"{value!r}: a duration must be positive")
    return timedelta(minutes=minutes)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Condition(BaseModel):
    """When a step applies; all given parts must hold."""

    model_config = ConfigDict(extra="forbid")
    level: Literal[1, 2] | None = None  # only at this level
    negative_ratio_above: float | None = Field(None, gt=0, lt=1)  # only once the negative share exceeded it


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=2)
    role: RoleId
    approver: RoleId | None = None
    deadline: dict[Literal[1, 2], Duration]  # from the crisis start, per level
    when: Condition | None = None
    done_when: list[str] = Field(default_factory=list)  # phrases that complete it, said by its role
    remind_before: Duration = timedelta(minutes=15)
    escalate_after: Duration = timedelta(minutes=30)
    hint: str = ""

    @field_validator("deadline")
    @classmethod
    def _both_levels(cls, value: dict[int, timedelta]) -> dict[int, timedelta]:
        missing = [level for level in (1, 2) if level not in value]
        if missing:
            raise ValueError(f"missing deadline for level {', '.join(map(str, missing))}")
        return value


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str = ""
    roles: list[RoleId] = Field(default_factory=lambda: list(ROLES))  # roles the playbook needs
    match: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique_steps(cls, value: list[Step]) -> list[Step]:
        seen: set[str] = set()
        for step in value:
            if step.id in seen:
                raise ValueError(f"duplicate step id {step.id!r}")
            seen.add(step.id)
        return value

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True)
class Library:
    severity: Severity
    playbooks: dict[str, Playbook]

    def suggest(self, title: str) -> tuple[str, list[str]]:
        """(playbook id, matched words) for a title: most keyword hits wins; ties keep file order."""
        best, hits = "", []
        for playbook in self.playbooks.values():
            found = [word for word in playbook.match if word.lower() in title.lower()]
            if len(found) > len(hits):
                best, hits = playbook.id, found
        return best, hits


def parse(folder: Path) -> Library:
    """Load and validate every file; raise PlaybookError listing every problem at once."""
    problems: list[str] = []
    severity = validated(folder / SEVERITY_FILE, Severity, problems)
    playbooks: dict[str, Playbook] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in NOT_PLAYBOOKS:
            continue
        playbook = validated(path, Playbook, problems)
        if playbook is None:
            continue
        if playbook.id != path.stem:
            problems.append(f"{path}: id: {playbook.id!r} must equal the file name {path.stem!r}")
        elif playbook.id in playbooks:
            problems.append(f"{path}: id: duplicate playbook id {playbook.id!r}")
        else:
            playbooks[playbook.id] = playbook
    if not playbooks and not problems:
        problems.append(f"{folder}: no playbook files (*.yaml) found")
    if problems:
        raise PlaybookError("\n".join(problems))
    assert severity is not None
    return Library(severity=severity, playbooks=playbooks)


def _stamp(folder: Path) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.yaml")))


_library = LastGood("playbooks", parse, _stamp, error=PlaybookError)


def current_error(folder: Path) -> str | None:
    """The problems of the files on disk when the bot is running on the last good version."""
    return _library.current_error(folder)


def load(folder: Path) -> Library:
    """The playbook library, re-read when any file in the folder changes. A broken edit never
    takes the bot down: the last good version stays in use (and the error is logged)."""
    return _library.load(folder)
