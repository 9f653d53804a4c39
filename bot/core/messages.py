"""Transport-neutral messages: what adapters produce (Inbound, CardAction, BotAdded)
and what the core asks to send (Outbound). No Feishu wire format here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

ChatType = Literal["group", "p2p"]


@dataclass(frozen=True)
class Mention:
    """A member mentioned in a message; `offset` is where `@name` starts in `Inbound.text`."""

    user_id: str
    name: str
    offset: int = 0


@dataclass(frozen=True)
class Attachment:
    kind: Literal["image", "file", "media", "audio"]
    key: str
    name: str = ""


@dataclass(frozen=True)
class Inbound:
    """A message posted in a chat, as the core sees it."""

    event_id: str
    message_id: str
    chat_id: str
    chat_type: ChatType
    sender_id: str
    text: str
    created_at: datetime
    message_type: str = "text"
    sender_name: str = ""
    mentions: tuple[Mention, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    root_id: str = ""
    parent_id: str = ""


@dataclass(frozen=True)
class CardAction:
    """A button pressed on a card the bot sent."""

    event_id: str
    chat_id: str
    message_id: str
    user_id: str
    value: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class MembersChanged:
    """People joined or left a group: the names the bot knows for it are looked up again."""

    event_id: str
    chat_id: str
    created_at: datetime


@dataclass(frozen=True)
class BotAdded:
    """The bot was added to a group."""

    event_id: str
    chat_id: str
    chat_name: str
    operator_id: str
    created_at: datetime


@dataclass(frozen=True)
class Recalled:
    """A message was recalled by its sender."""

    event_id: str
    chat_id: str
    message_id: str
    created_at: datetime


@dataclass(frozen=True)
class Reacted:
    """Someone added an emoji reaction to a message (the chat is not in the event)."""

    event_id: str
    message_id: str
    emoji: str
    user_id: str
    created_at: datetime


@dataclass(frozen=True)
class Ignored:
    """An event we subscribe to but have nothing to do for (read receipts …)."""

    event_id: str
    reason: str


Event = Inbound | CardAction | BotAdded | MembersChanged | Recalled | Reacted | Ignored


# ---- outbound -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Markdown:
    text: str  # may contain mention markers (bot.mentions)


@dataclass(frozen=True)
class Button:
    text: str
    value: dict[str, Any]
    style: Literal["default", "primary", "danger"] = "default"
    url: str = ""  # a link button opens this instead of calling back


@dataclass(frozen=True)
class ButtonRow:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Divider:
    pass


Block = Markdown | ButtonRow | Divider


@dataclass(frozen=True)
class Card:
    title: str
    blocks: tuple[Block, ...]
    color: Literal["blue", "red", "orange", "green", "grey"] = "blue"


@dataclass(frozen=True)
class Outbound:
    """Something to say in a chat. `text` and card markdown carry mentions as markers."""

    chat_id: str
    kind: Literal["text", "card", "image", "file"] = "text"
    text: str = ""
    card: Card | None = None
    file_name: str = ""
    content: bytes | None = field(default=None, repr=False)
    reply_to: str = ""  # message id to reply to (threads the answer under it)
    update_message_id: str = ""  # card: update this message in place instead of sending
    ref: str = ""  # what the message is to us (e.g. "incident:3:card"), to find it again by its id
    live: Literal["", "latest", "superseded"] = ""  # "latest": one message per `ref`, later versions update
    # it in place (bot.core.live_messages); "superseded": mark `update_message_id` as replaced by a newer one

    def payload(self) -> dict[str, Any]:
        """JSON-able description without the binary content (kept apart in the outbox)."""
        data = asdict(self)
        data.pop("content")
        return data


def card_from_dict(data: dict[str, Any]) -> Card:
    blocks: list[Block] = []
    for block in data["blocks"]:
        if "buttons" in block:
            blocks.append(ButtonRow(tuple(Button(**b) for b in block["buttons"])))
        elif "text" in block:
            blocks.append(Markdown(block["text"]))
        else:
            blocks.append(Divider())
    return Card(title=data["title"], blocks=tuple(blocks), color=data.get("color", "blue"))


def outbound_from_payload(data: dict[str, Any], content: bytes | None) -> Outbound:
    card = card_from_dict(data["card"]) if data.get("card") else None
    return Outbound(**{**data, "card": card, "content": content})
