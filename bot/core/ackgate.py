"""Acks first: while a webhook or long-connection event is being stored, the processor waits
before starting its next event, so SQLite's single write lock goes to the ack (Feishu's 3 s).

It waits only for the stores already under way when it asks (the inbox commits them together), never for ones
that arrive while it waits: under a steady stream of events the gate is never empty, and waiting for an empty gate
starved processing (events piled up in the inbox for seconds)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class AckGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0  # number given to the next store
        self._under_way: set[int] = set()

    @contextmanager
    def storing(self) -> Iterator[None]:
        with self._cond:
            ticket = self._next
            self._next += 1
            self._under_way.add(ticket)
        try:
            yield
        finally:
            with self._cond:
                self._under_way.discard(ticket)
                self._cond.notify_all()

    def wait_for_acks(self, timeout: float = 0.25) -> None:
        """Block until the stores under way now are done (bounded, so processing never starves)."""
        with self._cond:
            started = self._next
            self._cond.wait_for(lambda: not self._under_way or min(self._under_way) >= started, timeout)
