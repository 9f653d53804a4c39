"""Sandbox events (posted by the sandbox page) → core events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock.now import from_millis, utcnow
from bot.core.inbox import EventKeys
from bot.core.messages import Attachment, BotAdded, CardAction, Event, Ignored, Inbound, Mention
from bot.sandbox.members import CHAT_NAME


def keys(payload: dict[str, Any]) -> EventKeys:
    return EventKeys(
        event_id=payload["event_id"],
        event_type=f"sandbox.{payload['type']}",
        message_id=payload.get("message_id") if payload["type"] == "message" else None,
        chat_id=payload.get("chat_id"),
    )


def _time(payload: dict[str, Any]) -> datetime:
    return from_millis(payload.get("create_time_ms")) or utcnow()


def to_event(payload: dict[str, Any]) -> Event:
    kind = payload.get("type")
    if kind == "message":
        return Inbound(
            event_id=payload["event_id"],
            message_id=payload["message_id"],
            chat_id=payload["chat_id"],
            chat_type=payload.get("chat_type", "group"),
            sender_id=payload["sender_id"],
            sender_name=payload.get("sender_name", ""),
            text=payload.get("text", ""),
            created_at=_time(payload),
            mentions=tuple(Mention(**m) for m in payload.get("mentions", [])),
            message_type=payload.get("message_type", "text"),
            attachments=tuple(Attachment(**a) for a in payload.get("attachments", [])),
            root_id=payload.get("root_id", ""),
            parent_id=payload.get("parent_id", ""),
        )
    if kind == "card_action":
        return CardAction(
            event_id=payload["event_id"],
            chat_id=payload["chat_id"],
            message_id=payload.get("message_id", ""),
            user_id=payload["sender_id"],
            value=payload.get("value") or {},
            created_at=_time(payload),
        )
    if kind == "bot_added":
        return BotAdded(
            event_id=payload["event_id"],
            chat_id=payload["chat_id"],
            chat_name=payload.get("chat_name", CHAT_NAME),
            operator_id=payload.get("sender_id", ""),
            created_at=_time(payload),
        )
    return Ignored(event_id=payload.get("event_id", ""), reason=f"sandbox event {kind!r}")
