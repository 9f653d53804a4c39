"""The one in-process chat driver: a group talking to the real pipeline (inbox → router → handlers →
outbox) on a real database, with no transport in between. For the transport-level driver over the
signed webhook and the fake Open API, see tests/feishu_group.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.core import db, inbox
from bot.core.models import OutboxMessage
from bot.core.processing import Processor
from bot.sandbox import events as sandbox_events
from handlers import build_router
from tests.support import T0, Clock, make_settings


@dataclass(frozen=True)
class Sent:
    """One message the bot queued: text, or a card shown as its JSON."""

    payload: dict[str, Any]

    @property
    def card(self) -> dict[str, Any] | None:
        return self.payload.get("card")

    @property
    def text(self) -> str:
        return self.payload.get("text") or json.dumps(self.card, ensure_ascii=False)

    def __contains__(self, needle: str) -> bool:
        return needle in self.text


class SandboxChat:
    """A group chat driving the processor. Messages are stamped at `at`, or `minutes` after `start`."""

    def __init__(
        self,
        db_url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        start: datetime = T0,
        chat_id: str = "oc_1",
        llm=None,
        router=None,
        **settings: Any,
    ) -> None:
        db.upgrade(db_url)
        self.db_url, self.chat_id, self.start = db_url, chat_id, start
        self.settings = make_settings(db_url, **settings)
        self.engine = db.make_engine(db_url)
        self.clock = clock or Clock(start + timedelta(days=3))
        self.processor = Processor(
            self.engine,
            self.settings,
            router or build_router(),
            {"sandbox": sandbox_events.to_event},
            now_fn=self.clock,
            llm=llm,
        )
        self.count = 0

    def post(
        self,
        text: str,
        *,
        at: datetime | None = None,
        minutes: float = 0,
        who: str = "ou_ceo",
        chat_type: str = "group",
        mentions: tuple[tuple[str, str], ...] = (),
        root_id: str = "",
        chat_id: str | None = None,
    ) -> None:
        """Store one message in the inbox, as the transport would; nothing is processed yet."""
        self.count += 1
        when = at if at is not None else self.start + timedelta(minutes=minutes)
        found = [{"user_id": uid, "name": name, "offset": text.index(f"@{name}")} for uid, name in mentions]
        payload = {
            "type": "message",
            "event_id": f"ev{self.count}",
            "message_id": f"om{self.count}",
            "chat_id": chat_id or self.chat_id,
            "chat_type": chat_type,
            "sender_id": who,
            "text": text,
            "mentions": found,
            "create_time_ms": int(when.timestamp() * 1000),
        }
        if root_id:
            payload["root_id"] = root_id
        assert inbox.record(self.engine, source="sandbox", keys=sandbox_events.keys(payload), payload=payload)

    def say(self, text: str, **kwargs: Any) -> list[Sent]:
        """Post one message and process it; what the bot queued in answer."""
        before = len(self.sent())
        self.post(text, **kwargs)
        self.processor.process_due()
        return self.sent()[before:]

    def sent(self) -> list[Sent]:
        with Session(self.engine) as session:
            rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [Sent(json.loads(row.payload)) for row in rows]

    def texts(self) -> list[str]:
        return [s.text for s in self.sent()]

    def counts(self, *models) -> dict[str, int]:
        """Rows per model: compare before and after to prove a command changed nothing."""
        with Session(self.engine) as session:
            return {m.__name__: session.exec(select(sa.func.count()).select_from(m)).one() for m in models}

    def close(self) -> None:
        self.engine.dispose()
