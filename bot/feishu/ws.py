"""The long connection (FEISHU_MODE=ws): lark-oapi's ws.Client in its own thread.

`lark_oapi.ws.client` captures an event loop at import and `start()` blocks on it forever,
so the thread makes a fresh loop and assigns it to the module before starting. Events reach
the same dispatcher as the webhook; its recorder writes the inbox and wakes the worker, which
is thread-safe, so no coroutine has to cross threads."""

from __future__ import annotations

import asyncio
import logging
import threading

import lark_oapi as lark
import lark_oapi.ws.client as ws_client

from bot.config import Settings

log = logging.getLogger(__name__)


def start_in_thread(settings: Settings, dispatcher: lark.EventDispatcherHandler) -> threading.Thread:
    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws_client.loop = loop
        client = lark.ws.Client(
            settings.feishu_app_id,
            settings.feishu_app_secret,
            event_handler=dispatcher,
            domain=settings.feishu_base_url,
            log_level=lark.LogLevel.INFO,
        )
        client.on_reconnecting = lambda: log.warning("Feishu long connection lost; reconnecting")
        client.on_reconnected = lambda: log.info("Feishu long connection re-established")
        try:
            log.info("connecting the Feishu long connection to %s", settings.feishu_base_url)
            client.start()
        except Exception:
            log.exception("the Feishu long connection stopped")

    thread = threading.Thread(target=run, name="feishu-ws", daemon=True)
    thread.start()
    return thread
