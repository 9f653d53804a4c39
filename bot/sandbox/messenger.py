"""Sandbox Messenger: the bot's messages land in the sandbox transcript table; a card update replaces the
card in its bubble."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.mentions import split
from bot.core.messages import Outbound
from bot.core.messenger import NotEditable
from bot.sandbox.members import BOT, name_of
from bot.sandbox.models import SandboxMessage


def plain_text(text: str) -> str:
    return "".join(f"@{name_of(piece)}" if is_id else piece for piece, is_id in split(text))


class SandboxMessenger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def send(self, message: Outbound, *, uuid: str) -> str:
        with Session(self.engine) as session:
            existing = session.exec(select(SandboxMessage).where(SandboxMessage.uuid == uuid)).first()
            if existing is not None:
                return f"sb_{existing.id}"
            if message.update_message_id:
                return self._update(session, message)
            row = SandboxMessage(
                uuid=uuid,
                chat_id=message.chat_id,
                sender_id=BOT.user_id,
                sender_name=BOT.name,
                from_bot=True,
                kind=message.kind,
                text=plain_text(message.text) if message.kind == "text" else (message.file_name or ""),
                payload=json.dumps(_card(message), ensure_ascii=False) if message.card else None,
            )
            if message.card is not None:
                row.text = plain_text(message.card.title)
            session.add(row)
            session.commit()
            return f"sb_{row.id}"

    def _update(self, session: Session, message: Outbound) -> str:
        """The same bubble, replaced: the page redraws it (its revision moves on)."""
        row_id = message.update_message_id.removeprefix("sb_")
        row = session.get(SandboxMessage, int(row_id)) if row_id.isdigit() else None
        if row is None or not row.from_bot or row.kind != "card" or message.card is None:
            raise NotEditable(f"no card {message.update_message_id} to update", visible=False)
        row.payload = json.dumps(_card(message), ensure_ascii=False)
        row.text = plain_text(message.card.title)
        session.add(row)
        session.commit()
        return message.update_message_id


def _card(message: Outbound) -> dict:
    card = asdict(message.card)
    for block in card["blocks"]:
        if "text" in block:
            block["text"] = plain_text(block["text"])
    return card
