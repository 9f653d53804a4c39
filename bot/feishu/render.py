"""Core messages → Feishu message content: text with <at> tags and cards in JSON 2.0.
Literal text is neutralised so user or LLM text can never produce an <at … all> tag."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.mentions import split
from bot.core.messages import ButtonRow, Card, Divider, Markdown, Outbound

_AT_TAG = re.compile(r"<(/?)(at)", re.IGNORECASE)


def _literal(text: str) -> str:
    # A zero-width space after "<" keeps the text readable but never a tag.
    return _AT_TAG.sub(lambda m: f"<\u200b{m.group(1)}{m.group(2)}", text)


def text_with_mentions(text: str) -> str:
    return "".join(f'<at user_id="{piece}"></at>' if is_id else _literal(piece) for piece, is_id in split(text))


def card_markdown(text: str) -> str:
    return "".join(f"<at id={piece}></at>" if is_id else _literal(piece) for piece, is_id in split(text))


def card_json(card: Card) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    for block in card.blocks:
        if isinstance(block, Markdown):
            elements.append({"tag": "markdown", "content": card_markdown(block.text)})
        elif isinstance(block, Divider):
            elements.append({"tag": "hr"})
        elif isinstance(block, ButtonRow):
            elements.append(
                {
                    "tag": "column_set",
                    "flex_mode": "flow",
                    "horizontal_spacing": "8px",
                    "columns": [
                        {
                            "tag": "column",
                            "width": "auto",
                            "elements": [
                                {
                                    "tag": "button",
                                    "text": {"tag": "plain_text", "content": _literal(button.text)},
                                    "type": button.style,
                                    "behaviors": [{"type": "open_url", "default_url": button.url}]
                                    if button.url
                                    else [{"type": "callback", "value": button.value}],
                                }
                            ],
                        }
                        for button in block.buttons
                    ],
                }
            )
    return {
        "schema": "2.0",
        "config": {"update_multi": True, "width_mode": "fill"},
        "header": {"title": {"tag": "plain_text", "content": _literal(card.title)}, "template": card.color},
        "body": {"elements": elements},
    }


def content(message: Outbound, *, uploaded_key: str = "") -> tuple[str, str]:
    """(msg_type, content JSON string) for the im/v1/messages APIs."""
    if message.kind == "text":
        return "text", json.dumps({"text": text_with_mentions(message.text)}, ensure_ascii=False)
    if message.kind == "card" and message.card is not None:
        return "interactive", json.dumps(card_json(message.card), ensure_ascii=False)
    if message.kind == "image":
        return "image", json.dumps({"image_key": uploaded_key})
    if message.kind == "file":
        return "file", json.dumps({"file_key": uploaded_key})
    raise ValueError(f"cannot render a {message.kind!r} message")
