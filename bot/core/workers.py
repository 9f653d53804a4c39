"""Background threads that drain the inbox and the outbox. They decide only *when* to look;
what to do comes from DB state, so a restart picks up exactly where the last run stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Worker(threading.Thread):
    """Calls `step()` whenever woken or every `idle` seconds. `step` returns how long it may
    sleep (None: the idle period; 0: work is waiting, run again at once)."""

    def __init__(self, name: str, step: Callable[[], float | None], *, idle: float = 1.0) -> None:
        super().__init__(name=name, daemon=True)
        self.step = step
        self.idle = idle
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    @property
    def stopping(self) -> bool:
        """Asked to stop: a long pass ends early (the rest stays in the DB for the next run)."""
        return self._stopping.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                pause = self.step()
            except Exception:  # a bug in one pass must not kill the worker
                log.exception("%s: pass failed", self.name)
                pause = self.idle
            if pause == 0:
                continue
            self._wake.wait(self.idle if pause is None else min(pause, self.idle))
