"""The retro's optimization strategies as data: `retro/recommendations.yaml` in the playbook folder (the bundled one
when the folder has none), validated by pydantic and loaded through the one last-good loader (`bot.library.loader`):
a broken edit keeps the last good version in use; the first load of a broken file fails with its path, the field and
the reason. Also the words that mark a team action as a KOL/blogger clarification (the `kol_clarify_effect` finding).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bot.config import BUNDLED_PLAYBOOKS
from bot.library.loader import LastGood
from bot.library.playbooks import validated
from bot.library.roles import RoleId

log = logging.getLogger(__name__)

RECOMMENDATIONS_FILE = Path("retro") / "recommendations.yaml"  # inside the playbook folder
KOL_WORDS = ("博主", "KOL", "KOC", "达人", "实测", "澄清")  # the default of `kol_words`
_FOLD_SPACE = re.compile(r"(?<=[，。；：、！？）”])\s+")


class RecommendationsError(ValueError):
    """`path: field: reason` for every problem found."""


RecommendationId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Recommendation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str = Field(min_length=2)
    title: str = Field(min_length=2)
    text: str = Field(min_length=10)
    role: RoleId
    within_days: int = Field(gt=0, le=366)
    due_at_review: bool = False  # due at the next quarterly review (the timetable's review row stands for it)
    match: list[str] = Field(default_factory=list)

    @field_validator("text", "title")
    @classmethod
    def _folded(cls, value: str) -> str:
        """YAML's folded lines join with a space; after Chinese punctuation there should be none."""
        return _FOLD_SPACE.sub("", value.strip())


class Recommendations(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    recommendations: dict[RecommendationId, Recommendation]
    losses: dict[str, list[RecommendationId]] = Field(default_factory=dict)  # loss finding code → ids
    steps: dict[str, list[RecommendationId]] = Field(default_factory=dict)  # step_missed by step id → ids
    default: list[RecommendationId] = Field(default_factory=list)  # any other loss
    standing: list[RecommendationId] = Field(default_factory=list)  # in every report
    kol_words: list[str] = Field(default_factory=lambda: list(KOL_WORDS))  # an action naming one is a KOL action

    def unknown_references(self) -> list[tuple[str, str]]:
        """(field, id) of every reference to a recommendation that is not defined."""
        found = []
        groups = [(f"losses.{code}", ids) for code, ids in self.losses.items()]
        groups += [(f"steps.{step}", ids) for step, ids in self.steps.items()]
        groups += [("default", self.default), ("standing", self.standing)]
        for field, ids in groups:
            found += [(f"{field}[{i}]", rid) for i, rid in enumerate(ids) if rid not in self.recommendations]
        return found


def path_in(folder: Path) -> Path:
    """The file a playbook folder uses: its own `retro/recommendations.yaml`, else the bundled one."""
    path = Path(folder) / RECOMMENDATIONS_FILE
    return path if path.is_file() else BUNDLED_PLAYBOOKS / RECOMMENDATIONS_FILE


def parse_file(path: Path) -> Recommendations:
    """Read and validate one recommendations file; RecommendationsError listing every problem."""
    problems: list[str] = []
    parsed = validated(path, Recommendations, problems)
    if parsed is None:
        raise RecommendationsError("\n".join(problems))
    unknown = parsed.unknown_references()
    if unknown:
        known = ", ".join(parsed.recommendations)
        raise RecommendationsError(
            "\n".join(f"{path}: {field}: unknown recommendation {rid!r}; known: {known}" for field, rid in unknown)
        )
    return parsed


def _parse(folder: Path) -> Recommendations:
    path = path_in(folder)
    if path != Path(folder) / RECOMMENDATIONS_FILE and Path(folder) != BUNDLED_PLAYBOOKS:
        log.info("%s not found; using the bundled recommendations", Path(folder) / RECOMMENDATIONS_FILE)
    return parse_file(path)


def _stamp(folder: Path) -> tuple[str, float]:
    path = path_in(folder)
    return str(path), path.stat().st_mtime if path.exists() else 0.0


_book = LastGood("retro recommendations", _parse, _stamp, error=RecommendationsError)


def book(folder: Path) -> Recommendations:
    """The validated recommendations of a playbook folder, re-read when the file changes (last good on a broken
    edit)."""
    return _book.load(Path(folder))


def load(folder: Path) -> dict:
    """`book(folder)` as plain data (what the report and the retro card read)."""
    return book(folder).model_dump()


def current_error(folder: Path) -> str | None:
    """The problems of the file on disk while the last good version is in use."""
    return _book.current_error(Path(folder))
