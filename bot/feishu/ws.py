"""The long connection (FEISHU_MODE=ws): lark-oapi's ws.Client in its own thread.

`lark_oapi.ws.client` captures an event loop at import and `start()` blocks on it forever,
so the thread makes a fresh loop, assigns it to the module and builds the client there
(its constructor schedules a task on the current loop). Only one client may run per process.
Events reach the same dispatcher as the webhook; its recorder writes the inbox and wakes the
worker thread-safely, so the loop is never held up by processing.

lark-oapi has no stop(): `stop()` turns off auto-reconnect, cancels the client's tasks,
closes the socket and then cancels the task `start()` is blocked on."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import lark_oapi as lark
import lark_oapi.ws.client as ws_client

from bot.config import Settings

log = logging.getLogger(__name__)


class LongConnection:
    def __init__(self, make_client: Callable[[], lark.ws.Client]) -> None:
        self._make_client = make_client
        self.client: lark.ws.Client | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._constructed = threading.Event()
        self.thread = threading.Thread(target=self._run, name="feishu-ws", daemon=True)

    def start(self, timeout: float = 10.0) -> LongConnection:
        self.thread.start()
        self._constructed.wait(timeout)
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws_client.loop = loop
        self.loop = loop
        try:
            self.client = self._make_client()
        except BaseException as exc:
            self.error = exc
            log.exception("could not build the Feishu long-connection client")
            return
        finally:
            self._constructed.set()
        try:
            self.client.start()
        except asyncio.CancelledError:
            pass  # stop() cancelled the task start() blocks on
        except BaseException as exc:  # e.g. bad credentials: lark raises ClientException at once
            self.error = exc
            log.error("the Feishu long connection stopped: %s", exc)
        finally:
            leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.close()

    def stop(self, timeout: float = 5.0) -> None:
        loop, client = self.loop, self.client
        if self.thread.is_alive() and loop is not None and client is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(_shutdown(client), loop)
        self.thread.join(timeout)
        if self.thread.is_alive():
            log.warning("the Feishu long-connection thread did not stop within %.0f s", timeout)


async def _shutdown(client: lark.ws.Client) -> None:
    client._auto_reconnect = False
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not me]
    blocker = [t for t in tasks if getattr(t.get_coro(), "__name__", "") == "_select"]
    workers = [t for t in tasks if t not in blocker]
    for task in workers:  # receive loop, ping loop, in-flight handlers, cache cleanup
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    await client._disconnect()
    for task in blocker:
        task.cancel()


def connect(settings: Settings, dispatcher: lark.EventDispatcherHandler) -> LongConnection:
    """Start the long connection for the configured app; reconnects are lark-oapi's, logged here."""

    def make_client() -> lark.ws.Client:
        client = lark.ws.Client(
            settings.feishu_app_id,
            settings.feishu_app_secret,
            event_handler=dispatcher,
            domain=settings.feishu_base_url,
            log_level=lark.LogLevel.INFO,
        )
        client.on_reconnecting = lambda: log.warning("Feishu long connection lost; reconnecting")
        client.on_reconnected = lambda: log.info("Feishu long connection re-established")
        return client

    log.info("connecting the Feishu long connection via %s", settings.feishu_base_url)
    return LongConnection(make_client).start()
