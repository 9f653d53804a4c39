"""Acks first: while a webhook or long-connection event is being stored, the processor waits
before starting its next event, so SQLite's single write lock goes to the ack (Feishu's 3 s).

It waits only for the stores already under way when it asks (the inbox commits them together), never for ones
that arrive while it waits, and at most once per slice of processing: under a steady stream of events the gate is
never empty, and waiting for an empty gate — or for every commit, an fsync each — before every event starved
processing (events piled up in the inbox for seconds). An ack waits at most a slice plus the event in hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SLICE_SECONDS = 0.02  # processing runs this long between two yields to the acks


class AckGate:
    def __init__(self, slice_seconds: float = SLICE_SECONDS) -> None:
        self._cond = threading.Condition()
        self._next = 0  # number given to the next store
        self._under_way: set[int] = set()
        self.slice = slice_seconds
        self._yielded = float("-inf")  # when the processor last gave way

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
        """Once per slice: block until the stores under way now are done (bounded, so processing never starves)."""
        if time.monotonic() - self._yielded < self.slice:
            return
        with self._cond:
            started = self._next
            self._cond.wait_for(lambda: not self._under_way or min(self._under_way) >= started, timeout)
        self._yielded = time.monotonic()
