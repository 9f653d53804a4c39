"""导出对话: the sandbox group's conversation as a recorded conversation (bot.replay.format), from the raw events
the inbox stored — every member message with its time to the millisecond, its mentions and the card buttons
pressed — so `crisisbot replay` of the file rebuilds the same incidents and the same retro."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import yaml
from sqlmodel import Session, select

from bot.clock.now import from_millis
from bot.core.models import InboxEvent
from bot.replay.run import INCIDENT_ACTIONS, SOURCE
from bot.sandbox.members import CHAT_NAME, MEMBERS, name_of


def conversation(session: Session, chat_id: str, tz: ZoneInfo) -> dict:
    """The chat's recorded conversation, as the YAML document `crisisbot replay` reads."""
    rows = session.exec(
        select(InboxEvent).where(InboxEvent.source == SOURCE, InboxEvent.chat_id == chat_id).order_by(InboxEvent.id)
    ).all()
    messages = []
    for row in rows:
        payload = json.loads(row.payload)
        at = _time(payload, tz)
        if payload.get("type") == "message":
            messages.append(
                {
                    "at": at,
                    "from": name_of(payload["sender_id"]),
                    "text": payload.get("text", ""),
                    "mentions": [m["name"] for m in payload.get("mentions", [])],
                    "id": payload["message_id"],
                }
            )
        elif payload.get("type") == "card_action":
            value = dict(payload.get("value") or {})
            if value.get("action") in INCIDENT_ACTIONS:
                value.pop("incident", None)  # the replay presses it on the chat's incident of that moment
            messages.append({"at": at, "from": name_of(payload["sender_id"]), "click": value})
    return {
        "chat_id": chat_id,
        "chat_name": CHAT_NAME,
        "timezone": tz.key,
        "members": [{"id": m.user_id, "name": m.name, "title": m.title} for m in MEMBERS],
        "messages": messages,
    }


def as_yaml(document: dict) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000)


def _time(payload: dict, tz: ZoneInfo) -> str:
    moment: datetime = from_millis(payload.get("create_time_ms"))
    return moment.astimezone(tz).isoformat(timespec="milliseconds")
