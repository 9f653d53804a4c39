"""Playbooks and severity levels: YAML data in PLAYBOOK_DIR, validated by pydantic at load
time. A broken file fails with its path, the field and the reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.lexicon import METRICS
from bot.roles import ROLES

log = logging.getLogger(__name__)

SEVERITY_FILE = "severity.yaml"
NOT_PLAYBOOKS = {SEVERITY_FILE, "lexicon.yaml"}


class PlaybookError(ValueError):
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
    lead_role: str
    summary: str
    enter_when: list[Threshold] = Field(default_factory=list)

    @field_validator("lead_role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {value!r}; known: {', '.join(ROLES)}")
        return value


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


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str = ""
    roles: list[str] = Field(default_factory=lambda: list(ROLES))  # roles the playbook needs
    match: list[str] = Field(default_factory=list)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        unknown = [role for role in value if role not in ROLES]
        if unknown:
            raise ValueError(f"unknown roles {unknown}; known: {', '.join(ROLES)}")
        return value


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


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PlaybookError(f"{path}: {exc}".replace("\n", " ")) from None


def _problems(path: Path, exc: ValidationError) -> list[str]:
    return [f"{path}: {'.'.join(map(str, e['loc'])) or '(file)'}: {e['msg']}" for e in exc.errors()]


def parse(folder: Path) -> Library:
    """Load and validate every file; raise PlaybookError listing every problem at once."""
    problems: list[str] = []
    severity: Severity | None = None
    try:
        severity = Severity.model_validate(_read(folder / SEVERITY_FILE) or {})
    except PlaybookError as exc:
        problems.append(str(exc))
    except ValidationError as exc:
        problems += _problems(folder / SEVERITY_FILE, exc)
    playbooks: dict[str, Playbook] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in NOT_PLAYBOOKS:
            continue
        try:
            playbook = Playbook.model_validate(_read(path) or {})
        except PlaybookError as exc:
            problems.append(str(exc))
            continue
        except ValidationError as exc:
            problems += _problems(path, exc)
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


@lru_cache(maxsize=8)
def _cached(folder: str, stamp: tuple[tuple[str, float], ...]) -> Library:
    return parse(Path(folder))


_last_good: dict[str, Library] = {}


def load(folder: Path) -> Library:
    """The playbook library, re-read when any file in the folder changes. A broken edit never
    takes the bot down: the last good version stays in use (and the error is logged)."""
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.yaml")))
    try:
        library = _cached(str(folder), stamp)
    except PlaybookError as exc:
        if str(folder) not in _last_good:
            raise
        log.error("playbooks in %s are broken; keeping the last good version:\n%s", folder, exc)
        return _last_good[str(folder)]
    _last_good[str(folder)] = library
    return library
