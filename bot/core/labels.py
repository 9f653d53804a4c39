"""The bot's vocabulary, defined once in `templates/labels.yaml`: the words people see for metric,
platform, role, timeline-kind, statement, level, section, step-state and status ids.

    labels.metric("topic_reads")  → "话题阅读"
    labels.of("platforms")        → {"xhs": "小红书", …}
    labels.SECTIONS               → ("危机概述", …, "执行时间表")

An unknown id is shown as itself, so a new id never crashes a card."""

from __future__ import annotations

from functools import cache
from types import MappingProxyType
from typing import Any

import yaml

from bot.core.bundled import TEMPLATES

LABELS_FILE = TEMPLATES / "labels.yaml"


@cache
def _all() -> MappingProxyType:
    raw: dict[str, Any] = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    return MappingProxyType(
        {group: (tuple(v) if isinstance(v, list) else MappingProxyType(dict(v))) for group, v in raw.items()}
    )


def of(group: str) -> MappingProxyType:
    """Every label of a group, id → word, in the file's order."""
    return _all()[group]


def label(group: str, key: object) -> str:
    return str(of(group).get(key, key))


def metric(key: str) -> str:
    return label("metrics", key)


def platform(key: str) -> str:
    return label("platforms", key)


def role(key: str) -> str:
    return label("roles", key)


def kind(key: str) -> str:
    return label("kinds", key)


def level(key: int) -> str:
    return label("levels", key)


SECTIONS: tuple[str, ...] = _all()["sections"]
