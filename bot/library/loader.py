"""Data files that are re-read when they change, where a broken edit never takes the bot down: the last good
version stays in use, the error is logged once and kept for whoever tells the group (playbooks, drills)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


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
