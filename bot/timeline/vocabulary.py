"""Metric names and platforms as the group writes them: the lexicon's aliases (“阅读量”, “微博”, or the
contract ids) looked up exactly for a command argument, or found anywhere in free text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_PLATFORM = "xhs"


def _exact_alias(raw: str, pairs: list[tuple[str, str]]) -> str | None:
    key = raw.strip().casefold()
    return next((target for alias, target in pairs if alias.casefold() == key), None)


def parse_metric_name(raw: str, lexicon) -> str | None:
    """A contract id or one of its Chinese aliases (“阅读量”, “negative_ratio”) → the id; else None."""
    return _exact_alias(raw, lexicon.metric_aliases())


def parse_platform(raw: str, lexicon) -> str | None:
    """A platform id or alias (“微博”, “douyin”) → the id; else None."""
    return _exact_alias(raw, lexicon.platform_aliases())


@dataclass(frozen=True)
class Vocabulary:
    """The lexicon's aliases as patterns, and the id each alias stands for."""

    metrics: re.Pattern[str]
    metric_of: dict[str, str]
    platforms: re.Pattern[str]
    platform_of: dict[str, str]
    ratios: frozenset[str]


def _alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    """Any alias, longest first; an ASCII alias must stand as a word (“likes”, not “unlikes”)."""
    parts = []
    for alias in sorted(aliases, key=len, reverse=True):
        escaped = re.escape(alias)
        parts.append(rf"(?<![A-Za-z0-9_]){escaped}(?![A-Za-z_])" if alias.isascii() else escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=16)
def _vocabulary(metric_pairs: tuple, platform_pairs: tuple, ratios: tuple) -> Vocabulary:
    return Vocabulary(
        metrics=_alias_pattern([alias for alias, _ in metric_pairs]),
        metric_of={alias.casefold(): metric for alias, metric in metric_pairs},
        platforms=_alias_pattern([alias for alias, _ in platform_pairs]),
        platform_of={alias.casefold(): platform for alias, platform in platform_pairs},
        ratios=frozenset(ratios),
    )


def vocabulary_of(lexicon) -> Vocabulary:
    return _vocabulary(tuple(lexicon.metric_aliases()), tuple(lexicon.platform_aliases()), tuple(lexicon.ratio_metrics))
