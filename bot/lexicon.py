"""`playbooks/lexicon.yaml`: the words the bot reads the conversation with (schema + loader)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

METRICS = ("topic_reads", "note_exposure", "reposts", "likes", "comments", "negative_ratio", "complaints",
           "sales_change", "followers_lost")
PLATFORMS = ("xhs", "weibo", "douyin", "media")
KINDS = ("spread", "detection", "decision", "action")


class LexiconError(ValueError):
    """A broken lexicon file: the message names the file, the field and the reason."""


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    metrics: dict[str, list[str]]
    ratio_metrics: list[str] = Field(default_factory=lambda: ["negative_ratio", "sales_change"])
    platforms: dict[str, list[str]]
    kinds: dict[str, list[str]]
    statement_prefixes: dict[str, list[str]]
    link_domains: dict[str, list[str]] = Field(default_factory=dict)
    pin_reactions: list[str] = Field(default_factory=list)

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(METRICS)
        if unknown:
            raise ValueError(f"unknown metric ids {sorted(unknown)}; known: {', '.join(METRICS)}")
        return value

    @field_validator("platforms", "link_domains")
    @classmethod
    def _known_platforms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(PLATFORMS)
        if unknown:
            raise ValueError(f"unknown platform ids {sorted(unknown)}; known: {', '.join(PLATFORMS)}")
        return value

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown timeline kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        return value

    @field_validator("statement_prefixes")
    @classmethod
    def _statement_kinds(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if set(value) - {"initial", "formal"}:
            raise ValueError("statement_prefixes takes only 'initial' and 'formal'")
        return value

    def metric_aliases(self) -> list[tuple[str, str]]:
        """(alias, metric id) longest alias first, contract ids included."""
        pairs = [(alias, metric) for metric, aliases in self.metrics.items() for alias in aliases]
        pairs += [(metric, metric) for metric in self.metrics]
        return sorted(pairs, key=lambda pair: -len(pair[0]))

    def platform_aliases(self) -> list[tuple[str, str]]:
        pairs = [(alias, platform) for platform, aliases in self.platforms.items() for alias in aliases]
        pairs += [(platform, platform) for platform in self.platforms]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


def parse(path: Path) -> Lexicon:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: {exc}".replace("\n", " ")) from None
    try:
        return Lexicon.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise LexiconError(f"{path}: {problems}") from None


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> Lexicon:
    return parse(Path(path))


def load(folder: Path) -> Lexicon:
    """The lexicon in a playbook folder, re-read when the file changes."""
    path = folder / "lexicon.yaml"
    return _cached(str(path), path.stat().st_mtime if path.exists() else 0.0)
