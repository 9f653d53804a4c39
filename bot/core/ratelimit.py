"""Sliding one-second windows: Feishu allows 5 messages per second per chat and 50 per app.

`SendRate` counts in this process only (replays, tests with a fake clock). `SharedSendRate` keeps the windows in the
database, so that every server and CLI sending through one database shares the limits (two servers on one
PostgreSQL used to send 10 to a chat in a second, each keeping its own 5)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from bot.core.models import SendWindow

APP = "*app*"
# Feishu counts when a message arrives, we count when it leaves: two sends reserved exactly a window apart can
# arrive closer together when the first one travelled slower. The shared window is this much longer than 1 s.
NETWORK_MARGIN = 0.1


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


class SharedSendRate:
    """The same rule with the windows in the database (table `send_window`: per chat, and `*app*`, the times of the
    last sends). A reservation is one short write transaction: the window rows are created if missing and locked —
    PostgreSQL: SELECT … FOR UPDATE, the app's row before the chat's, so two senders never deadlock; SQLite: that
    first INSERT takes the database's single write lock — then times older than the window are dropped and the send
    is counted only when it fits both windows. Time is the database's clock on PostgreSQL (servers on different hosts
    agree on it) and this host's on SQLite (one file, one host)."""

    def __init__(
        self, engine: Engine, per_chat: float = 5, per_app: float = 50, window: float = 1.0 + NETWORK_MARGIN
    ) -> None:
        self.engine = engine
        self.per_chat = max(1, int(per_chat))
        self.per_app = max(1, int(per_app))
        self.window = window
        postgres = engine.dialect.name == "postgresql"
        self._insert = (pg_insert if postgres else sqlite_insert)(SendWindow).on_conflict_do_nothing()
        self._now = _database_now if postgres else (lambda _conn: time.time())

    def reserve(self, chat_id: str) -> float:
        """0 and the send is counted when one more fits for this chat and the app; otherwise the seconds to wait
        (nothing counted)."""
        chat_key = chat_id[:128]
        with self.engine.begin() as conn:
            conn.execute(self._insert, [{"key": APP, "stamps": ""}, {"key": chat_key, "stamps": ""}])
            app, chat = (_locked_stamps(conn, key) for key in (APP, chat_key))
            now = self._now(conn)
            wait = max(self._wait(app, self.per_app, now), self._wait(chat, self.per_chat, now))
            if wait > 0:
                return wait
            for key, stamps, cap in ((APP, app, self.per_app), (chat_key, chat, self.per_chat)):
                kept = [t for t in stamps if now - t < self.window][-(cap - 1) :] if cap > 1 else []
                value = ",".join(f"{t:.6f}" for t in [*kept, now])
                conn.execute(sa.update(SendWindow).where(SendWindow.key == key).values(stamps=value))
            return 0.0

    def _wait(self, stamps: list[float], cap: int, now: float) -> float:
        live = [t for t in stamps if now - t < self.window]
        if len(live) < cap:
            return 0.0
        return min(self.window, self.window - (now - live[-cap]))  # a clock set back waits one window at most


def _locked_stamps(conn: Connection, key: str) -> list[float]:
    stmt = sa.select(SendWindow.stamps).where(SendWindow.key == key).with_for_update()
    text = conn.execute(stmt).scalar_one()
    return [float(t) for t in text.split(",") if t]


def _database_now(conn: Connection) -> float:
    return float(conn.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
