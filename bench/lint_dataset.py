"""The hand-labelled lint sets in tests/data/: which sets exist, the codes they label, and their loading.

Each set is a YAML mapping with an ``items`` list; every item has an id, a kind, a draft text, the codes a PR
editor labelled it with, and an optional note. ``load_items`` validates a set as it reads it. bench/lint_eval.py
scores the linter against these items; tools/train_lint_model.py trains the lint's second opinion on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DATASET = DATA / "lint_labelled.yaml"
# Every labelled set, in the order they were written. lint_fresh and later sets were written blind after the
# rules were tuned; lint_fresh is frozen (never tuned on), lint_dev is the tuning set of issue 17, lint_unseen2 the
# set written after that tuning to measure it (the model trains on it since), lint_unseen3 the set written after the
# learned second opinion to measure that. lint_train (training data only) is not an evaluation set.
SETS: tuple[str, ...] = ("lint_labelled", "lint_holdout", "lint_fresh", "lint_dev", "lint_unseen2", "lint_unseen3")
BASE_CODES: tuple[str, ...] = ("boilerplate", "exaggeration", "no_remedy", "no_empathy", "blame_shift")
CODES: tuple[str, ...] = (*BASE_CODES, "too_formal")  # too_formal is labelled from lint_fresh on
KINDS: tuple[str, ...] = ("reply", "statement", "cs", "kol")


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    text: str
    labels: frozenset[str]
    note: str = ""


def load_items(path: Path = DATASET) -> list[Item]:
    """The labelled drafts, validated: unique ids and texts, known kinds, labels among CODES."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise ValueError(f"{path}: expected a mapping with an 'items' list")
    items: list[Item] = []
    seen_ids: set[str] = set()
    seen_texts: dict[str, str] = {}
    for n, entry in enumerate(raw["items"]):
        where = f"{path}: item #{n}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a mapping")
        unknown = set(entry) - {"id", "kind", "text", "labels", "note"}
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}")
        item_id = str(entry.get("id") or "")
        kind = entry.get("kind")
        text = entry.get("text")
        labels = entry.get("labels")
        if not item_id:
            raise ValueError(f"{where}: missing id")
        where = f"{path}: item {item_id}"
        if item_id in seen_ids:
            raise ValueError(f"{where}: duplicate id")
        if kind not in KINDS:
            raise ValueError(f"{where}: kind {kind!r} is not one of {KINDS}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: empty text")
        if not isinstance(labels, list) or not all(isinstance(code, str) for code in labels):
            raise ValueError(f"{where}: labels must be a list of codes")
        bad = set(labels) - set(CODES)
        if bad:
            raise ValueError(f"{where}: unknown label(s) {sorted(bad)}; allowed {CODES}")
        if len(set(labels)) != len(labels):
            raise ValueError(f"{where}: repeated label")
        normalized = "".join(text.split())
        if normalized in seen_texts:
            raise ValueError(f"{where}: same text as item {seen_texts[normalized]}")
        seen_ids.add(item_id)
        seen_texts[normalized] = item_id
        items.append(Item(item_id, kind, text, frozenset(labels), str(entry.get("note") or "")))
    return items


def codes_of(items: Iterable[Item]) -> tuple[str, ...]:
    """The codes a set labels: the five base codes, and too_formal where any item carries it."""
    return CODES if any("too_formal" in item.labels for item in items) else BASE_CODES


def positives_per_code(items: Iterable[Item]) -> dict[str, int]:
    counts = dict.fromkeys(codes_of(items), 0)
    for item in items:
        for code in item.labels:
            counts[code] += 1
    return counts
