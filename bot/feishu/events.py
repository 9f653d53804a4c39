"""Feishu event envelopes (schema 2.0) → core events. Pure functions over dicts."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.clock.now import from_millis, utcnow
from bot.core.inbox import EventKeys
from bot.core.messages import (
    Attachment,
    BotAdded,
    CardAction,
    Event,
    Ignored,
    Inbound,
    MembersChanged,
    Mention,
    Reacted,
    Recalled,
)
from bot.core.wording import render

MESSAGE_RECEIVED = "im.message.receive_v1"
BOT_ADDED = "im.chat.member.bot.added_v1"
CARD_ACTION = "card.action.trigger"
RECALLED = "im.message.recalled_v1"
REACTION = "im.message.reaction.created_v1"
MEMBERS_CHANGED = ("im.chat.member.user.added_v1", "im.chat.member.user.deleted_v1")

# Everything the app subscribes to; events not handled yet are acknowledged and ignored.
SUBSCRIBED = (
    MESSAGE_RECEIVED,
    BOT_ADDED,
    "im.chat.member.bot.deleted_v1",
    "im.chat.member.user.added_v1",
    "im.chat.member.user.deleted_v1",
    "im.chat.updated_v1",
    "im.chat.disbanded_v1",
    "im.message.message_read_v1",
    "im.message.recalled_v1",
    "im.message.reaction.created_v1",
    "im.message.reaction.deleted_v1",
)

_KEY = re.compile(r"@_user_\d+|@_all")


class MalformedEvent(ValueError):
    """The envelope lacks what Feishu always sends."""


def without_credentials(payload: dict[str, Any]) -> dict[str, Any]:
    """The envelope as it may be stored: the verification token (`header.token`, or `token` in schema 1.0)
    removed. A card callback's `event.token` is the card's update token, not a credential, and stays."""
    stripped = {key: value for key, value in payload.items() if key != "token"}
    if isinstance(payload.get("header"), dict):
        stripped["header"] = {key: value for key, value in payload["header"].items() if key != "token"}
    return stripped


def keys(payload: dict[str, Any]) -> EventKeys:
    """Dedup keys of a decrypted envelope; raises MalformedEvent when it is not an event."""
    header = payload.get("header")
    if not isinstance(header, dict) or not header.get("event_id") or not header.get("event_type"):
        raise MalformedEvent("missing header.event_id or header.event_type")
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    event_type = str(header["event_type"])
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    context = event.get("context") if isinstance(event.get("context"), dict) else {}
    chat_id = message.get("chat_id") or event.get("chat_id") or context.get("open_chat_id")
    message_id = message.get("message_id") if event_type == MESSAGE_RECEIVED else None
    return EventKeys(
        event_id=str(header["event_id"]),
        event_type=event_type,
        message_id=str(message_id) if message_id else None,
        chat_id=str(chat_id) if chat_id else None,
    )


def to_event(payload: dict[str, Any]) -> Event:
    header = payload.get("header") or {}
    event_type = header.get("event_type", "")
    event = payload.get("event") or {}
    event_id = str(header.get("event_id", ""))
    if event_type == MESSAGE_RECEIVED:
        return _message(event_id, event)
    if event_type == BOT_ADDED:
        return BotAdded(
            event_id=event_id,
            chat_id=event.get("chat_id", ""),
            chat_name=event.get("name", ""),
            operator_id=_open_id(event.get("operator_id")),
            created_at=from_millis(header.get("create_time")) or utcnow(),
        )
    if event_type == CARD_ACTION:
        context = event.get("context") or {}
        action = event.get("action") or {}
        value = action.get("value")
        if isinstance(value, str):  # older cards send the value JSON-encoded
            try:
                value = json.loads(value)
            except ValueError:
                value = {"action": value}
        return CardAction(
            event_id=event_id,
            chat_id=context.get("open_chat_id", ""),
            message_id=context.get("open_message_id", ""),
            user_id=(event.get("operator") or {}).get("open_id", ""),
            value=value if isinstance(value, dict) else {},
            created_at=from_millis(header.get("create_time")) or utcnow(),
        )
    if event_type == RECALLED:
        return Recalled(
            event_id=event_id,
            chat_id=event.get("chat_id", ""),
            message_id=event.get("message_id", ""),
            created_at=from_millis(event.get("recall_time")) or from_millis(header.get("create_time")) or utcnow(),
        )
    if event_type == REACTION:
        if event.get("operator_type") not in (None, "user"):
            return Ignored(event_id=event_id, reason="reaction by an app")
        return Reacted(
            event_id=event_id,
            message_id=event.get("message_id", ""),
            emoji=(event.get("reaction_type") or {}).get("emoji_type", ""),
            user_id=_open_id(event.get("user_id")),
            created_at=from_millis(event.get("action_time")) or from_millis(header.get("create_time")) or utcnow(),
        )
    if event_type in MEMBERS_CHANGED:
        return MembersChanged(
            event_id=event_id,
            chat_id=str(event.get("chat_id", "")),
            created_at=from_millis(header.get("create_time")) or utcnow(),
        )
    return Ignored(event_id=event_id, reason=f"{event_type} is not handled")


def history_item_to_inbound(item: dict[str, Any]) -> Inbound | None:
    """A message as the message list/get APIs return it → Inbound (None for bot messages)."""
    sender = item.get("sender") or {}
    if sender.get("sender_type") not in (None, "user") or item.get("deleted"):
        return None
    event = {
        "sender": {"sender_type": "user", "sender_id": {"open_id": sender.get("id", "")}},
        "message": {
            "message_id": item.get("message_id", ""),
            "chat_id": item.get("chat_id", ""),
            "chat_type": "group",
            "message_type": item.get("msg_type", "text"),
            "content": (item.get("body") or {}).get("content", "{}"),
            "create_time": item.get("create_time"),
            "root_id": item.get("root_id"),
            "parent_id": item.get("parent_id"),
            "mentions": [
                {"key": m.get("key"), "name": m.get("name"), "id": {"open_id": m.get("id")}}
                for m in item.get("mentions") or []
            ],
        },
    }
    message = _message(f"history:{item.get('message_id', '')}", event)
    return message if isinstance(message, Inbound) else None


def _open_id(user: dict[str, Any] | None) -> str:
    return (user or {}).get("open_id") or (user or {}).get("user_id") or ""


def _message(event_id: str, event: dict[str, Any]) -> Event:
    sender = event.get("sender") or {}
    message = event.get("message") or {}
    if sender.get("sender_type") not in (None, "user"):
        return Ignored(event_id=event_id, reason="message from an app or bot")
    message_type = message.get("message_type", "text")
    try:
        content = json.loads(message.get("content") or "{}")
    except (ValueError, TypeError, RecursionError):
        content = {}
    if not isinstance(content, dict):  # e.g. a JSON array: nothing we can read, but still a message
        content = {}
    raw_text, attachments = _content_text(message_type, content)
    raw_text = raw_text.encode("utf-8", "replace").decode()  # a lone surrogate (“\ud800”) cannot be stored
    names = {m.get("key"): m for m in message.get("mentions") or [] if isinstance(m, dict)}
    text, mentions = _resolve_mentions(raw_text, names)
    return Inbound(
        event_id=event_id,
        message_id=message.get("message_id", ""),
        chat_id=message.get("chat_id", ""),
        chat_type="p2p" if message.get("chat_type") == "p2p" else "group",
        sender_id=_open_id(sender.get("sender_id")),
        text=text,
        created_at=from_millis(message.get("create_time")) or utcnow(),
        message_type=message_type,
        mentions=tuple(mentions),
        attachments=tuple(attachments),
        root_id=message.get("root_id") or "",
        parent_id=message.get("parent_id") or "",
    )


def _content_text(message_type: str, content: dict[str, Any]) -> tuple[str, list[Attachment]]:
    if message_type == "text":
        return str(content.get("text", "")), []
    if message_type == "post":
        return _post_text(content)
    if message_type == "image":
        return render("feishu/non_text_message", message_type="image"), [
            Attachment("image", content.get("image_key", ""))
        ]
    if message_type == "file":
        name = content.get("file_name", "")
        text = render("feishu/non_text_message", message_type="file", name=name)
        return text, [Attachment("file", content.get("file_key", ""), name)]
    if message_type in ("media", "audio"):
        return render("feishu/non_text_message", message_type=message_type), [
            Attachment(message_type, content.get("file_key", ""), content.get("file_name", ""))
        ]
    return render("feishu/non_text_message", message_type=message_type), []


def _post_text(content: dict[str, Any]) -> tuple[str, list[Attachment]]:
    """Rich-text posts arrive either flat or wrapped in a locale key (zh_cn, en_us …)."""
    if "content" not in content and content:
        content = next((v for v in content.values() if isinstance(v, dict)), {})
    lines: list[str] = []
    attachments: list[Attachment] = []
    if content.get("title"):
        lines.append(str(content["title"]))
    paragraphs = content.get("content")
    for paragraph in paragraphs if isinstance(paragraphs, list) else []:
        parts: list[str] = []
        for node in paragraph if isinstance(paragraph, list) else []:
            if not isinstance(node, dict):  # a malformed node is skipped, the rest of the post is kept
                continue
            tag = node.get("tag")
            if tag in ("text", "md", "code_block"):
                parts.append(str(node.get("text", "")))
            elif tag == "a":
                parts.append(f"{node.get('text', '')} {node.get('href', '')}".strip())
            elif tag == "at":
                parts.append(str(node.get("user_id", "")))
            elif tag == "img":
                attachments.append(Attachment("image", node.get("image_key", "")))
            elif tag == "media":
                attachments.append(Attachment("media", node.get("file_key", "")))
            elif tag == "emotion":
                parts.append(f"[{node.get('emoji_type', '')}]")
        lines.append("".join(parts))
    return "\n".join(lines).strip(), attachments


def _resolve_mentions(raw: str, by_key: dict[str, dict[str, Any]]) -> tuple[str, list[Mention]]:
    """Replace `@_user_N` placeholders by `@name`, recording where each mention landed."""
    out: list[str] = []
    mentions: list[Mention] = []
    length = 0
    pos = 0
    for match in _KEY.finditer(raw):
        out.append(raw[pos : match.start()])
        length += match.start() - pos
        key = match.group(0)
        info = by_key.get(key)
        if key == "@_all":
            label = render("feishu/mention_all")
        elif info is None:
            label = key
        else:
            name = str(info.get("name") or "")
            label = f"@{name}"
            mentions.append(Mention(user_id=_open_id(info.get("id")), name=name, offset=length))
        out.append(label)
        length += len(label)
        pos = match.end()
    out.append(raw[pos:])
    return "".join(out), mentions
