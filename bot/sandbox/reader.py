"""Sandbox ChatReader: history and messages come from the sandbox transcript."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.messages import Inbound
from bot.core.messenger import ReadError
from bot.sandbox.members import MEMBERS
from bot.sandbox.models import SandboxMessage


def _inbound(row: SandboxMessage) -> Inbound:
    return Inbound(
        event_id=f"sandbox-history:{row.id}",
        message_id=f"sb_{row.id}",
        chat_id=row.chat_id,
        chat_type="group",
        sender_id=row.sender_id,
        sender_name=row.sender_name,
        text=row.text,
        created_at=row.created_at,
    )


class SandboxReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def history(self, chat_id: str, start: datetime, end: datetime) -> list[Inbound]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(SandboxMessage)
                .where(
                    SandboxMessage.chat_id == chat_id,
                    SandboxMessage.from_bot == False,  # noqa: E712
                    SandboxMessage.created_at >= start,
                    SandboxMessage.created_at <= end,
                )
                .order_by(SandboxMessage.id)
            ).all()
        return [_inbound(row) for row in rows]

    def fetch(self, message_id: str) -> Inbound | None:
        try:
            row_id = int(message_id.removeprefix("sb_"))
        except ValueError:
            return None
        with Session(self.engine) as session:
            row = session.get(SandboxMessage, row_id)
        return None if row is None or row.from_bot else _inbound(row)

    def download(self, message_id: str, key: str, kind: str) -> bytes:
        """A file a member posted with the page's file picker: kept with its transcript row."""
        row_id = message_id.removeprefix("sb_")
        with Session(self.engine) as session:
            row = session.get(SandboxMessage, int(row_id)) if row_id.isdigit() else None
        if row is None or row.from_bot or row.kind != "file" or not row.payload:
            raise ReadError(f"no file {key} in sandbox message {message_id}")
        return base64.b64decode(json.loads(row.payload)["content"])

    def members(self, chat_id: str) -> dict[str, str]:
        """The sandbox group's demo members."""
        return {member.user_id: member.name for member in MEMBERS}

    def owner(self, chat_id: str) -> str | None:
        """The sandbox group has no owner: anyone may name its first lead."""
        return None
