"""Sliding one-second windows: Feishu allows 5 messages per second per chat and 50 per app."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

APP = "*app*"


class SendRate:
    def __init__(self, per_chat: float = 5, per_app: float = 50, clock=time.monotonic) -> None:
        self.per_chat = max(1, int(per_chat))
        self.per_app = max(1, int(per_app))
        self.clock = clock
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _wait(self, key: str, cap: int, now: float) -> float:
        window = self._sent[key]
        while window and now - window[0] >= 1.0:
            window.popleft()
        return 0.0 if len(window) < cap else 1.0 - (now - window[-cap])

    def reserve(self, chat_id: str) -> float:
        """0 and the send is counted when one more fits for this chat and the app; otherwise the
        seconds to wait (nothing counted)."""
        now = self.clock()
        with self._lock:
            wait = max(self._wait(chat_id, self.per_chat, now), self._wait(APP, self.per_app, now))
            if wait == 0:
                self._sent[chat_id].append(now)
                self._sent[APP].append(now)
            return wait
