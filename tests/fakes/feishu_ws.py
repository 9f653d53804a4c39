"""A fake Feishu long-connection (WebSocket) endpoint on loopback, for the real ``lark_oapi.ws.Client``.

Two listeners on 127.0.0.1:

* HTTP ``POST /callback/ws/endpoint`` (lark's endpoint discovery, body ``{"AppID", "AppSecret"}``)
  answers ``{"code": 0, "data": {"URL": "ws://127.0.0.1:WSPORT/ws?device_id=…&service_id=…",
  "ClientConfig": {...}}}``; wrong credentials get a non-zero code, which lark raises as a
  ``ClientException`` (not retried).
* A ``websockets`` server (own daemon thread, own event loop) speaking lark's pbbp2 frames: it answers
  ``ping`` control frames with ``pong`` and pushes ``event`` data frames, matching the client's
  response frame by its ``message_id`` header.

Typical use::

    with FakeFeishuWs() as fake:
        client = lark.ws.Client(fake.app_id, fake.app_secret, domain=fake.base_url, event_handler=h)
        ...  # run client.start() in its own thread with its own loop (see tests/test_fake_feishu_ws.py)
        assert fake.wait_for_connections(1)
        resp = fake.push_event(message_event(...))      # {"code": 200, "headers": {...}, ...}
        result = fake.push_card_action(card_action_event(...))   # {"toast": {...}} or None
        fake.drop_connection()                          # lark reconnects; fake.connections == 2
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lark_oapi.ws.const import (
    GEN_ENDPOINT_URI,
    HEADER_MESSAGE_ID,
    HEADER_SEQ,
    HEADER_SUM,
    HEADER_TRACE_ID,
    HEADER_TYPE,
)
from lark_oapi.ws.enum import FrameType, MessageType
from lark_oapi.ws.pb.pbbp2_pb2 import Frame
from websockets.asyncio.server import ServerConnection, serve

# Not a documented Feishu code; anything other than 0 / 1 (busy) / 1000040343 (internal) makes
# lark raise ClientException, which is what a bad secret should do.
CODE_BAD_CREDENTIALS = 1000040345


class FakeFeishuWs:
    def __init__(
        self,
        app_id: str = "cli_test",
        app_secret: str = "secret_test",
        *,
        service_id: int = 7,
        ping_interval: float = 1,
        reconnect_interval: float = 0.2,
        reconnect_count: int = -1,
        reconnect_nonce: float = 0,
    ) -> None:
        """The intervals become lark's ClientConfig (seconds). ``reconnect_count=-1`` makes lark retry
        forever; with a non-negative count, lark's receive task dies after that many failed attempts
        while ``start()`` keeps blocking, i.e. a silently dead client."""
        self.app_id = app_id
        self.app_secret = app_secret
        self.service_id = service_id
        self.client_config: dict[str, float] = {
            "ReconnectCount": reconnect_count,
            "ReconnectInterval": reconnect_interval,
            "ReconnectNonce": reconnect_nonce,
            "PingInterval": ping_interval,
        }
        # If set, discovery answers this code instead of 0 (e.g. 1 = "system busy", which lark retries).
        self.discovery_code: int | None = None
        self.discovery_requests: list[dict[str, Any]] = []
        self.connections = 0  # WebSocket connections accepted so far
        self.pings = 0  # ping control frames received
        self.responses: list[Frame] = []  # every response frame the client sent back

        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws_thread: threading.Thread | None = None
        self._ws_server: Any = None
        self._ws_port = 0
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._conn: ServerConnection | None = None
        self._pending: dict[str, asyncio.Future[Frame]] = {}
        self._ids = itertools.count(1)
        self._cond = threading.Condition()

    # ----- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeFeishuWs:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)

            async def open_server() -> None:
                self._ws_server = await serve(self._serve_ws, "127.0.0.1", 0)
                self._ws_port = self._ws_server.sockets[0].getsockname()[1]

            self._loop.run_until_complete(open_server())
            ready.set()
            try:
                self._loop.run_forever()
            finally:
                leftovers = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
                for t in leftovers:
                    t.cancel()
                if leftovers:
                    self._loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
                self._loop.close()

        self._ws_thread = threading.Thread(target=run, name="fake-feishu-ws", daemon=True)
        self._ws_thread.start()
        if not ready.wait(5):
            raise RuntimeError("fake Feishu ws server did not start")

        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                fake._serve_discovery(self)

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, args=(0.05,), name="fake-feishu-ws-http", daemon=True
        )
        self._http_thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._loop is not None and self._loop.is_running():

            async def close_server() -> None:
                self._ws_server.close()
                await asyncio.wait_for(self._ws_server.wait_closed(), 5)

            try:
                asyncio.run_coroutine_threadsafe(close_server(), self._loop).result(6)
            except Exception:
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._ws_thread is not None:
                self._ws_thread.join(5)

    def __enter__(self) -> FakeFeishuWs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Pass as ``domain=`` to ``lark.ws.Client``."""
        assert self._http is not None, "start() first"
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws_port}/ws"

    @property
    def connected(self) -> bool:
        return self._conn is not None

    # ----- test controls -----------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def wait_for_connections(self, n: int, timeout: float = 5.0) -> bool:
        """True once ``n`` connections have been accepted in total and one is open."""
        return self.wait_for(lambda: self.connections >= n and self._conn is not None, timeout)

    def push_event(self, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any] | None:
        """Send ``payload`` as an ``event`` data frame; return the client's ``Response`` JSON
        (``{"code": 200|500, "headers"?, "data"?: base64}``), or None if nothing came back in time.

        Waits up to ``timeout`` for a connection if none is open (e.g. right after a drop).
        """
        frame = self.push_event_frame(payload, timeout)
        return None if frame is None else json.loads(frame.payload)

    def push_card_action(self, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any] | None:
        """Send a schema-2.0 ``card.action.trigger`` envelope (as built by
        ``tests.fakes.feishu_webhook.card_action_event``); return the callback result the handler
        produced, decoded (e.g. ``{"toast": {"type": "success", "content": "…"}}``), or None if
        there was no result, no response in time, or the handler failed (code 500)."""
        assert payload.get("header", {}).get("event_type") == "card.action.trigger", payload
        return decode_response_data(self.push_event(payload, timeout))

    def push_event_frame(self, payload: dict[str, Any], timeout: float = 5.0) -> Frame | None:
        """Like :meth:`push_event` but returns the raw response frame (headers include ``biz_rt``)."""
        deadline = time.monotonic() + timeout
        if not self.wait_for(lambda: self._conn is not None, timeout):
            return None
        left = max(deadline - time.monotonic(), 0.01)
        assert self._loop is not None
        fut = asyncio.run_coroutine_threadsafe(self._push(payload, left), self._loop)
        try:
            return fut.result(left + 1)
        except TimeoutError:
            return None

    def drop_connection(self, abrupt: bool = False) -> bool:
        """Close the current socket from the server side (clean close handshake, or an abrupt TCP
        abort). Returns False if no client was connected. lark then reconnects on its own."""
        conn = self._conn
        if conn is None or self._loop is None:
            return False

        async def close() -> None:
            if abrupt:
                conn.transport.abort()
            else:
                await conn.close(code=1001, reason="fake server dropped the connection")
            await conn.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self.wait_for(lambda: self._conn is not conn, 5)
        return True

    # ----- HTTP: endpoint discovery ------------------------------------------------------------

    def _serve_discovery(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self._cond:
            self.discovery_requests.append(body)
            self._cond.notify_all()

        if urlsplit(handler.path).path != GEN_ENDPOINT_URI:
            reply: dict[str, Any] = {"code": 404, "msg": "not found"}
        elif body.get("AppID") != self.app_id or body.get("AppSecret") != self.app_secret:
            reply = {"code": CODE_BAD_CREDENTIALS, "msg": "invalid app_id or app_secret"}
        elif self.discovery_code is not None:
            reply = {"code": self.discovery_code, "msg": "system busy"}
        else:
            device_id = secrets.token_hex(8)
            reply = {
                "code": 0,
                "msg": "ok",
                "data": {
                    "URL": f"{self.ws_url}?device_id={device_id}&service_id={self.service_id}",
                    "ClientConfig": dict(self.client_config),
                },
            }
        data = json.dumps(reply).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    # ----- WebSocket ---------------------------------------------------------------------------

    async def _serve_ws(self, conn: ServerConnection) -> None:
        query = parse_qs(urlsplit(conn.request.path).query) if conn.request else {}
        if not query.get("device_id") or not query.get("service_id"):
            await conn.close(code=1008, reason="device_id and service_id are required")
            return
        with self._cond:
            self.connections += 1
            self._conn = conn
            self._cond.notify_all()
        try:
            async for message in conn:
                if isinstance(message, bytes):
                    await self._on_frame(conn, message)
        except Exception:
            pass
        finally:
            with self._cond:
                if self._conn is conn:
                    self._conn = None
                self._cond.notify_all()

    async def _on_frame(self, conn: ServerConnection, message: bytes) -> None:
        frame = Frame()
        frame.ParseFromString(message)
        headers = {h.key: h.value for h in frame.headers}
        if frame.method == FrameType.CONTROL.value:
            if headers.get(HEADER_TYPE) == MessageType.PING.value:
                with self._cond:
                    self.pings += 1
                    self._cond.notify_all()
                await conn.send(self._pong(frame).SerializeToString())
            return
        with self._cond:
            self.responses.append(frame)
            self._cond.notify_all()
        fut = self._pending.pop(headers.get(HEADER_MESSAGE_ID, ""), None)
        if fut is not None and not fut.done():
            fut.set_result(frame)

    def _pong(self, ping: Frame) -> Frame:
        pong = Frame()
        header = pong.headers.add()
        header.key = HEADER_TYPE
        header.value = MessageType.PONG.value
        pong.service = ping.service
        pong.method = FrameType.CONTROL.value
        pong.SeqID = 0
        pong.LogID = 0
        # Like Feishu, a pong may carry a fresh ClientConfig; lark applies it.
        pong.payload = json.dumps(self.client_config).encode()
        return pong

    def _event_frame(self, payload: dict[str, Any], message_id: str) -> Frame:
        frame = Frame()
        n = next(self._ids)
        frame.SeqID = n
        frame.LogID = n
        frame.service = self.service_id
        frame.method = FrameType.DATA.value
        for key, value in (
            (HEADER_TYPE, MessageType.EVENT.value),
            (HEADER_MESSAGE_ID, message_id),
            (HEADER_TRACE_ID, secrets.token_hex(8)),
            (HEADER_SUM, "1"),
            (HEADER_SEQ, "0"),
        ):
            header = frame.headers.add()
            header.key = key
            header.value = value
        frame.payload = json.dumps(payload, ensure_ascii=False).encode()
        return frame

    async def _push(self, payload: dict[str, Any], timeout: float) -> Frame | None:
        conn = self._conn
        if conn is None:
            return None
        message_id = f"msg_{secrets.token_hex(8)}"
        fut: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = fut
        try:
            await conn.send(self._event_frame(payload, message_id).SerializeToString())
            return await asyncio.wait_for(fut, timeout)
        except Exception:
            return None
        finally:
            self._pending.pop(message_id, None)


def decode_response_data(response: dict[str, Any] | None) -> dict[str, Any] | None:
    """The handler's result carried in a ``Response`` (base64 JSON in ``data``), or None."""
    if not response or response.get("code") != 200 or not response.get("data"):
        return None
    return json.loads(base64.b64decode(response["data"]))
