"""A sliding one-second window per key (Feishu: 5 messages per second per chat)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class PerKeyRate:
    def __init__(self, per_second: float, clock=time.monotonic) -> None:
        self.limit = max(1, int(per_second))
        self.clock = clock
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait_time(self, key: str, *, limit: int | None = None) -> float:
        """Seconds until one more send for `key` fits in the window (0 when it fits now);
        `limit` overrides the per-key default (e.g. an app-wide key)."""
        cap = limit or self.limit
        now = self.clock()
        with self._lock:
            window = self._sent[key]
            while window and now - window[0] >= 1.0:
                window.popleft()
            return 0.0 if len(window) < cap else 1.0 - (now - window[-cap])

    def note(self, key: str) -> None:
        with self._lock:
            self._sent[key].append(self.clock())
