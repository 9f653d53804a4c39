"""Acks first: while a webhook or long-connection event is being stored, the processor waits
before starting its next event, so SQLite's single write lock goes to the ack (Feishu's 3 s)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class AckGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._storing = 0

    @contextmanager
    def storing(self) -> Iterator[None]:
        with self._cond:
            self._storing += 1
        try:
            yield
        finally:
            with self._cond:
                self._storing -= 1
                if not self._storing:
                    self._cond.notify_all()

    def wait_for_acks(self, timeout: float = 0.25) -> None:
        """Block while events are being stored (bounded, so processing never starves)."""
        with self._cond:
            self._cond.wait_for(lambda: self._storing == 0, timeout)
