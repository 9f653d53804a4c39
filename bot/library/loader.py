"""The one YAML loader for the team's data files in PLAYBOOK_DIR (playbooks, severity, lexicon, drills,
recommendations): `validated` reads a file and checks it against a pydantic model, reporting every problem as
`path: field: reason`; `LastGood` re-reads files when they change, and a broken edit never takes the bot down:
the last good version stays in use, the error is logged once and kept for whoever tells the group."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A broken data file: `path: field: reason` for every problem found."""


# A folded line break joins with no space between two Chinese characters, and next to full-width punctuation
# (or the curly quotes, dashes and ellipses Chinese text uses), as Chinese is written; "3 天" keeps its space.
_HANZI = re.compile(r"[\u3400-\u9fff]")
_FULL_WIDTH = re.compile(r"[\u2014\u2018-\u201d\u2026\u3000-\u303f\uff00-\uffef]")


def _joins_without_space(left: str, right: str) -> bool:
    if _FULL_WIDTH.match(left) or _FULL_WIDTH.match(right):
        return True
    return bool(_HANZI.match(left) and _HANZI.match(right))


class _ChineseFoldingLoader(yaml.SafeLoader):
    """SafeLoader whose folded scalars (`>`, `>-`) join a line break between Chinese text with no space
    (“涉及多少货，⏎让声明” → “涉及多少货，让声明”), while English text folds with a space as usual."""

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(node, yaml.ScalarNode) and node.style == ">" and node.start_mark.buffer:
            return _refold(value, node)
        return value


def _refold(folded: str, node: yaml.ScalarNode) -> str:
    """`folded` with the spaces YAML put at Chinese line breaks taken out. The same block read as a literal
    (`|`) keeps every line break; the two differ only where YAML folded, so walking them side by side finds
    the folds. Anything unexpected (an indentation indicator) keeps YAML's value."""
    raw = node.start_mark.buffer[node.start_mark.pointer : node.end_mark.pointer]
    if not raw.startswith(">"):  # a tag or anchor before the indicator
        return folded
    try:
        literal = yaml.safe_load("_: |" + raw[1:])["_"]
    except yaml.YAMLError:
        return folded
    out: list[str] = []
    i = j = 0
    while i < len(literal) and j < len(folded):
        if literal[i] == folded[j]:
            out.append(folded[j])
            j += 1
        elif literal[i] == "\n" and folded[j] == " ":  # a folded line break
            joined = 0 < i < len(literal) - 1 and _joins_without_space(literal[i - 1], literal[i + 1])
            out.append("" if joined else " ")
            j += 1
        elif literal[i] != "\n":  # a line break dropped before blank lines is the only other difference
            return folded
        i += 1
    return "".join(out) if (i, j) == (len(literal), len(folded)) else folded


def read_yaml(path: Path) -> object:
    """The YAML document in `path` (folded Chinese text joined without spaces); DataFileError naming the line
    and column of a syntax error."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_ChineseFoldingLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise DataFileError(f"{path}: {where}: YAML syntax: {exc.problem or exc}") from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: (file): {' '.join(str(exc).split())}") from None


def _field(loc: tuple, data: object) -> str:
    """A readable field path: list items are named by their `id` when they have one
    (`steps[qa_report].deadline` rather than `steps.3.deadline`)."""
    parts: list[str] = []
    node = data
    for key in loc:
        child = None
        if isinstance(node, list) and isinstance(key, int) and key < len(node):
            child = node[key]
            item_id = child.get("id") if isinstance(child, dict) else None
            parts[-1] += f"[{item_id}]" if item_id else f"[{key}]"
        else:
            child = node.get(key) if isinstance(node, dict) else None
            parts.append(str(key))
        node = child
    return ".".join(parts) or "(file)"


def _reason(error: dict) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown field (misspelt? see the fields of the bundled playbooks)"
    if error["loc"] and error["loc"][-1] == "negative_ratio_above":
        return f"{message} (a fraction: 0.30 means 30%)"
    return message


def validated(path: Path, model: type[M], problems: list[str]) -> M | None:
    """`path` read and validated as `model`; None with its problems (`path: field: reason`) added to `problems`."""
    data: object = None
    try:
        data = read_yaml(path) or {}
        return model.model_validate(data)
    except DataFileError as exc:
        problems.append(str(exc))
    except ValidationError as exc:
        problems += [f"{path}: {_field(e['loc'], data)}: {_reason(e)}" for e in exc.errors()]
    return None


def file_stamp(path: Path) -> tuple[str, float]:
    """What changes when one file is edited, created or removed (a `LastGood` stamp)."""
    return str(path), path.stat().st_mtime if path.exists() else 0.0


class LastGood(Generic[T]):
    def __init__(
        self, what: str, parse: Callable[[Path], T], stamp: Callable[[Path], Hashable], *, error: type[Exception]
    ) -> None:
        self._what, self._stamp, self._error = what, stamp, error
        self._parse = lru_cache(maxsize=8)(lambda folder, _stamp: parse(Path(folder)))
        self._good: dict[str, T] = {}
        self._errors: dict[str, str] = {}

    def load(self, folder: Path) -> T:
        """The parsed files, re-read when `stamp` changes; raises `error` only when there never was a good
        version."""
        key = str(folder)
        try:
            value = self._parse(key, self._stamp(folder))
        except self._error as exc:
            if key not in self._good:
                raise
            if self._errors.get(key) != str(exc):
                log.error("%s in %s are broken; keeping the last good version:\n%s", self._what, folder, exc)
            self._errors[key] = str(exc)
            return self._good[key]
        self._good[key] = value
        self._errors.pop(key, None)
        return value

    def current_error(self, folder: Path) -> str | None:
        """The problems of the files on disk while the last good version is in use."""
        return self._errors.get(str(folder))
