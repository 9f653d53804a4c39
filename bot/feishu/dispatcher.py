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


class NotStored(Exception):
    """An event could not be stored (Feishu retries it); says only which event and the error's class."""

    def __str__(self) -> str:
        return f"event {self.args[0]} not stored ({self.args[1]})"


def envelope(data: Any) -> dict[str, Any]:
    """lark-oapi's parsed event object back to the plain schema-2.0 envelope."""
    return json.loads(lark.JSON.marshal(data))


def build(*, encrypt_key: str, verification_token: str, record: Recorder) -> lark.EventDispatcherHandler:
    builder = lark.EventDispatcherHandler.builder(encrypt_key, verification_token)

    def persist(data: Any) -> None:
        store(envelope(data))

    def store(plain: dict[str, Any]) -> None:
        payload = events.without_credentials(plain)
        event_id = (payload.get("header") or {}).get("event_id")
        try:
            stored = record(payload)
        except Exception as exc:
            # lark-oapi logs and answers `str(e)`, which for a database error holds the SQL and the event:
            # log only what identifies the failure, and raise one that says nothing more.
            log.error("storing event %s failed: %s", event_id, type(exc).__name__)
            raise NotStored(event_id, type(exc).__name__) from None
        if not stored:
            log.info("duplicate delivery of %s ignored", event_id)

    for event_type in events.SUBSCRIBED:
        builder.register_p2_customized_event(event_type, persist)

    def on_card_action(data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        # Answer within Feishu's 3 s: store the click, act on it after the response.
        persist(data)
        return P2CardActionTriggerResponse({"toast": {"type": "info", "content": render("core/card_received")}})

    builder.register_p2_card_action_trigger(on_card_action)
    handler = builder.build()
    # The webhook has checked, decrypted and parsed the body already: it stores subscribed events through this
    # (the same payload lark-oapi's round trip gives, without its second decryption and object mapping).
    handler.store_envelope = store
    return handler
