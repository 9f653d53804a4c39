"""Drill scenarios: scripted crises in PLAYBOOK_DIR/drills/*.yaml, validated by pydantic like the playbooks.
A broken file fails with its path, the field and the reason (`injects[3].at: …`); a broken edit never takes a
running bot down: the last good version stays in use.

A scenario names the playbook it exercises and the level it starts at, and lists its injects: what happens
(`text`, as the group reads it), when (`at`, minutes from the drill start in scenario time; a drill run with
speed=10 posts them ten times faster) and, optionally, the data point it carries (`metric`), recorded in the drill
incident so the usual severity rules react (level upgrade, negative alert). `end` is when the drill is over."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.library.lexicon import METRICS, PLATFORMS
from bot.library.loader import LastGood
from bot.library.playbooks import NOT_PLAYBOOKS, PlaybookError, validated
from bot.timeline.values import DEFAULT_RATIO_METRICS, SIGNED_METRICS

log = logging.getLogger(__name__)

FOLDER = "drills"
# Inject kind → the timeline kind of its entry in the drill incident.
TIMELINE_KINDS = {
    "detection": "detection",
    "spread": "spread",
    "kol": "spread",
    "media": "spread",
    "metric": "metric",
    "customer": "note",
}
InjectKind = Literal["detection", "spread", "kol", "media", "metric", "customer"]


class InjectMetric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    value: float
    platform: str = "xhs"

    @field_validator("name")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; known: {', '.join(METRICS)}")
        return value

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str) -> str:
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r}; known: {', '.join(PLATFORMS)}")
        return value

    @model_validator(mode="after")
    def _value_fits(self) -> InjectMetric:
        if self.name in DEFAULT_RATIO_METRICS:
            low = -1.0 if self.name in SIGNED_METRICS else 0.0
            if not low <= self.value <= 1.0:
                raise ValueError(f"{self.name} is a fraction from {low:g} to 1 (0.45 means 45%), got {self.value:g}")
        elif self.value < 0:
            raise ValueError(f"{self.name} is a count and cannot be negative, got {self.value:g}")
        return self


class Inject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: int = Field(ge=0)  # minutes from the drill start, scenario time
    kind: InjectKind
    text: str = Field(min_length=4)
    metric: InjectMetric | None = None

    @model_validator(mode="after")
    def _metric_kind_has_metric(self) -> Inject:
        if self.kind == "metric" and self.metric is None:
            raise ValueError("an inject of kind metric needs a metric: {name, value, platform}")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=2)  # what the group types: /演练 开始 产品瑕疵
    title: str = Field(min_length=2)  # the drill incident's title (marked as a drill when opened)
    playbook: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    level: Literal[1, 2] = 2  # the level the drill incident opens at
    description: str = ""
    injects: list[Inject] = Field(min_length=1)
    end: int = Field(gt=0)  # minutes from the drill start, scenario time

    def ordering_problems(self) -> list[tuple[str, str]]:
        """(field, reason) for injects out of order and an end before the last inject."""
        found = []
        for index in range(1, len(self.injects)):
            before, this = self.injects[index - 1].at, self.injects[index].at
            if this < before:
                found.append(
                    (
                        f"injects[{index}].at",
                        f"{this} comes before the previous inject ({before}); offsets must not decrease",
                    )
                )
        last = max(inject.at for inject in self.injects)
        if self.end < last:
            found.append(("end", f"{self.end} is before the last inject ({last}); the drill must end after it"))
        return found


@dataclass(frozen=True)
class Drills:
    scenarios: dict[str, Scenario]

    def find(self, word: str) -> Scenario | None:
        """A scenario by id or Chinese name."""
        word = word.strip()
        return self.scenarios.get(word) or next((s for s in self.scenarios.values() if s.name == word), None)


def playbook_ids(folder: Path) -> set[str]:
    """The playbook ids a scenario may name: the playbook files of the folder."""
    return {path.stem for path in folder.glob("*.yaml") if path.name not in NOT_PLAYBOOKS}


def parse(folder: Path) -> Drills:
    """Load and validate every scenario in `folder/drills`; raise PlaybookError listing every problem at once.
    No drills folder means no scenarios."""
    problems: list[str] = []
    known_playbooks = playbook_ids(folder)
    scenarios: dict[str, Scenario] = {}
    names: dict[str, str] = {}
    for path in sorted((folder / FOLDER).glob("*.yaml")):
        scenario = validated(path, Scenario, problems)
        if scenario is None:
            continue
        found = [f"{path}: {where}: {reason}" for where, reason in scenario.ordering_problems()]
        if scenario.playbook not in known_playbooks:
            found.append(
                f"{path}: playbook: unknown playbook {scenario.playbook!r}; known: {', '.join(sorted(known_playbooks))}"
            )
        if scenario.id != path.stem:
            found.append(f"{path}: id: {scenario.id!r} must equal the file name {path.stem!r}")
        if scenario.name in names:
            found.append(f"{path}: name: {scenario.name!r} is also the name of {names[scenario.name]!r}")
        problems += found
        if not found:
            scenarios[scenario.id] = scenario
            names[scenario.name] = scenario.id
    if problems:
        raise PlaybookError("\n".join(problems))
    return Drills(scenarios)


def _stamp(folder: Path) -> tuple[tuple[str, float], ...]:
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in (folder / FOLDER).glob("*.yaml")))
    return stamp + tuple(sorted((p.name, 0.0) for p in folder.glob("*.yaml")))  # a playbook file added or removed


_drills = LastGood("drill scenarios", parse, _stamp, error=PlaybookError)


def current_error(folder: Path) -> str | None:
    """The problems of the drill files on disk when the bot is running on the last good version."""
    return _drills.current_error(folder)


def load(folder: Path) -> Drills:
    """The scenarios of `folder/drills`, re-read when a file changes; a broken edit keeps the last good version
    (raises PlaybookError only when there never was one)."""
    return _drills.load(folder)
