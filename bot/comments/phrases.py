"""The phrase book of the comment analysis: `comments/segments.yaml` in the playbook folder (the bundled one when
the folder has none) — the phrases that place a commenter in a user segment, the demands the public makes, and the
stop words of the complaint keywords — validated by pydantic and loaded through the one last-good loader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.config import BUNDLED_PLAYBOOKS
from bot.library.loader import LastGood, validated

PHRASES_FILE = Path("comments") / "segments.yaml"  # inside the playbook folder
SEGMENT_ORDER = ("core", "potential", "general", "unknown")


class PhrasesError(ValueError):
    """A broken segments.yaml: `path: field: reason` for every problem."""


def _patterns(values: list[str]) -> list[str]:
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {value!r} ({exc})") from None
    return values


class PhraseBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    segments: dict[str, list[str]] = Field(default_factory=dict)  # core / potential → patterns
    demands: dict[str, list[str]] = Field(default_factory=dict)  # demand as shown → patterns
    words: list[str] = Field(default_factory=list)  # kept whole by the keyword segmenter
    stop_words: list[str] = Field(default_factory=list)

    @field_validator("segments")
    @classmethod
    def _known_segments(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = [name for name in value if name not in ("core", "potential")]
        if unknown:
            raise ValueError(f"segments are core and potential (general and unknown are the rest): {unknown}")
        for patterns in value.values():
            _patterns(patterns)
        return value

    @field_validator("demands")
    @classmethod
    def _demand_patterns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in value.values():
            _patterns(patterns)
        return value


@dataclass(frozen=True)
class Phrases:
    """The book compiled: one pattern per segment and per demand."""

    book: PhraseBook

    @cached_property
    def segment_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return [
            (name, re.compile("|".join(self.book.segments[name])))
            for name in ("core", "potential")
            if self.book.segments.get(name)
        ]

    @cached_property
    def demand_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        return [(name, re.compile("|".join(words))) for name, words in self.book.demands.items() if words]

    @cached_property
    def stop_words(self) -> frozenset[str]:
        return frozenset(self.book.stop_words)

    def segment_of(self, text: str, is_fan: bool | None) -> str:
        """core when the import says the author follows the brand or the text names a core phrase; potential for a
        potential phrase; general when the import says the author is not a fan; unknown otherwise."""
        if is_fan:
            return "core"
        for name, pattern in self.segment_patterns:
            if pattern.search(text):
                return name
        return "general" if is_fan is False else "unknown"

    @cached_property
    def demand_order(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.book.demands)}

    def demands_in(self, text: str) -> list[str]:
        return [name for name, pattern in self.demand_patterns if pattern.search(text)]


def path_in(folder: Path) -> Path:
    path = Path(folder) / PHRASES_FILE
    return path if path.is_file() else BUNDLED_PLAYBOOKS / PHRASES_FILE


def _parse(folder: Path) -> Phrases:
    problems: list[str] = []
    book = validated(path_in(folder), PhraseBook, problems)
    if book is None:
        raise PhrasesError("\n".join(problems))
    return Phrases(book)


def _stamp(folder: Path) -> tuple[str, float]:
    path = path_in(folder)
    return str(path), path.stat().st_mtime if path.exists() else 0.0


_book = LastGood("comment segments", _parse, _stamp, error=PhrasesError)


def phrases(folder: Path) -> Phrases:
    """The phrase book of a playbook folder, re-read when it changes (the last good one on a broken edit)."""
    return _book.load(Path(folder))
