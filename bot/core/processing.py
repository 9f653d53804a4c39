"""Turns stored inbox events into state changes and queued replies, exactly once:
the domain writes, the outbox rows and the `done` mark commit together."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock.now import utcnow
from bot.config import Settings
from bot.core import inbox, outbox
from bot.core.llm import LLM
from bot.core.messages import Event, Outbound
from bot.core.messenger import ChatReader
from bot.core.router import Context, Router
from bot.core.wording import say

log = logging.getLogger(__name__)
SLOW_EVENT_SECONDS = 3.0  # handling an event slower than this is worth a warning

Adapter = Callable[[dict[str, Any]], Event]


class Unreadable(Exception):
    """A stored event whose payload the transport adapter cannot turn into an event."""


@dataclass
class Processor:
    engine: Engine
    settings: Settings
    router: Router
    adapters: Mapping[str, Adapter]
    now_fn: Callable = utcnow  # business time: what handlers and the sweep believe "now" is
    wall_fn: Callable = utcnow  # real time: when stored events are due for (re)processing
    before_each: Callable[[], None] = lambda: None  # e.g. let pending acks store first
    reader: ChatReader | None = None
    llm: LLM | None = None

    def process_due(self, *, limit: int = 100, stop: Callable[[], bool] = lambda: False) -> int:
        """Process every due event once (until `stop()` says the process is stopping); returns how many were due.
        Per chat in order: when an event fails and waits for a retry, the chat's later events wait behind it until
        it is done or dead."""
        with Session(self.engine) as session:
            due = inbox.due_ids(session, now=self.wall_fn(), limit=limit)
        held: set[str] = set()  # chats whose earlier event failed in this pass: their later events wait
        for row_id, chat_id in due:
            if stop():
                break
            if chat_id and chat_id in held:
                continue
            self.before_each()
            outcome = self.process_one(row_id)
            if chat_id and outcome in ("pending", "skipped"):  # skipped: another worker holds it
                held.add(chat_id)
        return len(due)

    def process_one(self, row_id: int) -> str:
        label = f"inbox row {row_id}"
        started = time.monotonic()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                row = inbox.claim(session, row_id)
                if row is None:
                    return "skipped"
                label = f"event {row.event_id}"
                event = self._read(row)
                replies = self._dispatch(event, session)
                outbox.enqueue(session, replies, key=row.event_id)
                inbox.mark_done(session, row)
                session.commit()
                seconds = time.monotonic() - started
                log.log(
                    logging.WARNING if seconds > SLOW_EVENT_SECONDS else logging.INFO,
                    "event %s (%s) in chat %s handled in %.0f ms, %d message(s) queued",
                    row.event_id,
                    type(event).__name__,
                    row.chat_id or "-",
                    seconds * 1000,
                    len(replies),
                )
                return "done"
        except Unreadable as exc:
            # The stored event itself is malformed: every retry would fail the same way.
            log.error("%s cannot be read (%s); not retried", label, exc)
            return self._record_failure(row_id, exc, final=True)
        except Exception as exc:
            log.exception("processing %s failed", label)
            return self._record_failure(row_id, exc)

    def _read(self, row) -> Event:  # a claimed inbox row (inbox.claim)
        """The stored payload as an event; `Unreadable` when its content is malformed."""
        try:
            return self.adapters[row.source](json.loads(row.payload))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise Unreadable(type(exc).__name__) from exc

    def _dispatch(self, event: Event, session: Session) -> list[Outbound]:
        chat_id = getattr(event, "chat_id", "")
        if chat_id and not self.settings.chat_allowed(chat_id):
            log.info("event %s from chat %s ignored: not in ALLOWED_CHAT_IDS", event.event_id, chat_id)
            return []
        ctx = Context(
            session=session,
            settings=self.settings,
            now=self.now_fn(),
            router=self.router,
            reader=self.reader,
            llm=self.llm,
        )
        return self.router.dispatch(event, ctx)

    def _record_failure(self, row_id: int, exc: Exception, *, final: bool = False) -> str:
        """Count a failed attempt (retried later); `final`: give up now, without telling the group (there is
        nothing a user or a retry can do about a malformed event)."""
        with Session(self.engine, expire_on_commit=False) as session:
            status = inbox.mark_failed(
                session,
                row_id,
                error=f"{type(exc).__name__}: {exc}",
                max_attempts=1 if final else self.settings.inbox_max_attempts,
                now=self.wall_fn(),
            )
            if status == "dead" and not final:
                row = session.get(inbox.InboxEvent, row_id)
                if row is not None and row.chat_id:
                    notice = Outbound(chat_id=row.chat_id, text=say("processing_failed", event_id=row.event_id))
                    outbox.enqueue(session, [notice], key=f"dead:{row.event_id}")
            session.commit()
        return status
