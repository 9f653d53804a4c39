"""lark-oapi's EventDispatcherHandler, with every subscribed event persisted to the inbox.
The same dispatcher serves the webhook and the long connection."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import lark_oapi as lark
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)

from bot.core.wording import render
from bot.feishu import events

log = logging.getLogger(__name__)

# record(payload) stores the decrypted envelope durably; False means "already had it".
Recorder = Callable[[dict[str, Any]], bool]


def envelope(data: Any) -> dict[str, Any]:
    """lark-oapi's parsed event object back to the plain schema-2.0 envelope."""
    return json.loads(lark.JSON.marshal(data))


def build(*, encrypt_key: str, verification_token: str, record: Recorder) -> lark.EventDispatcherHandler:
    builder = lark.EventDispatcherHandler.builder(encrypt_key, verification_token)

    def persist(data: Any) -> None:
        payload = envelope(data)
        stored = record(payload)
        if not stored:
            log.info("duplicate delivery of %s ignored", (payload.get("header") or {}).get("event_id"))

    for event_type in events.SUBSCRIBED:
        builder.register_p2_customized_event(event_type, persist)

    def on_card_action(data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        # Answer within Feishu's 3 s: store the click, act on it after the response.
        persist(data)
        return P2CardActionTriggerResponse({"toast": {"type": "info", "content": render("core/card_received")}})

    builder.register_p2_card_action_trigger(on_card_action)
    return builder.build()
