"""Sandbox Messenger: the bot's messages land in the sandbox transcript table."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.mentions import split
from bot.core.messages import Outbound
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
                row = session.get(SandboxMessage, int(message.update_message_id.removeprefix("sb_")))
                if row is not None and message.card is not None:
                    row.payload = json.dumps(_card(message), ensure_ascii=False)
                    row.text = plain_text(message.card.title)
                    session.add(row)
                    session.commit()
                return message.update_message_id
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


def _card(message: Outbound) -> dict:
    card = asdict(message.card)
    for block in card["blocks"]:
        if "text" in block:
            block["text"] = plain_text(block["text"])
    return card
