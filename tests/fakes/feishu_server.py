"""The fake Feishu Open API's HTTP side, on loopback: the threaded server, tenant/app token issuing,
the ``Authorization`` check on every other endpoint, the record of every call, fault injection and the
long-connection discovery forward. The endpoints themselves live in `tests.fakes.feishu_im`; the class the
tests use is `tests.fakes.feishu_openapi.FakeFeishu`.

Feishu answers most business errors with HTTP 400 and a JSON body; lark-oapi ignores the HTTP status and
only parses the body, so ``resp.success()`` / ``resp.code`` is what the bot sees.

lark-oapi caches tenant tokens process-globally (``TokenManager.cache``); call
:func:`reset_lark_token_cache` between tests.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import lark_oapi as lark
from lark_oapi.core.cache import LocalCache
from lark_oapi.core.token.manager import TokenManager

# Feishu error codes (open.feishu.cn server-side error code list).
CODE_MISSING_TOKEN = 99991661  # "Missing access token for authorization"
CODE_INVALID_TENANT_TOKEN = 99991663  # "Invalid access token for authorization"
CODE_RATE_LIMIT = 99991400  # gateway frequency limit, sent with HTTP 429
CODE_CHAT_RATE_LIMIT = 230020  # per-chat message frequency limit (5 QPS), HTTP 400
CODE_INVALID_CONTENT = 230001  # invalid message content / parameters
CODE_FIELD_VALIDATION = 99992402  # "field validation failed"
CODE_BOT_NOT_IN_CHAT = 230002  # "Bot/User can NOT be out of the chat."
CODE_RECALLED = 230011  # "The message is recalled."
CODE_EDIT_WINDOW_PASSED = 230031  # "Message can only be modified within 14 days after sending."
CODE_APP_SECRET_INVALID = 10014  # "app secret invalid"

_HTTP_STATUS_FOR_CODE = {CODE_RATE_LIMIT: 429}
_TOKEN_PATHS = (
    "/open-apis/auth/v3/tenant_access_token/internal",
    "/open-apis/auth/v3/app_access_token/internal",
    "/callback/ws/endpoint",
)


@dataclass(frozen=True)
class Call:
    """One request the server received. Header names are lower-cased."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: dict[str, Any] | None
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (monotonic seconds)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FailureRule:
    path_prefix: str
    remaining: int
    reply: Reply
    method: str | None = None  # only requests with this HTTP method (e.g. "PATCH"); None: any


def reset_lark_token_cache() -> None:
    """Forget every token lark-oapi cached (``lark_oapi.core.token.manager.TokenManager.cache``).

    The default cache is a process-global ``LocalCache`` keyed ``self_tenant_token:{app_id}``;
    a client built with ``.cache(...)`` replaces ``TokenManager.cache`` for the whole process.
    """
    cache = TokenManager.cache
    if isinstance(cache, LocalCache):
        cache.cache.clear()
    else:
        TokenManager.cache = LocalCache()


def json_reply(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    log_id = secrets.token_hex(12)
    return Reply(
        status,
        json.dumps(payload, ensure_ascii=False).encode(),
        {"Content-Type": "application/json; charset=utf-8", "X-Tt-Logid": log_id, **(headers or {})},
    )


def ok(data: dict[str, Any]) -> Reply:
    return json_reply(200, {"code": 0, "msg": "success", "data": data})


def error(code: int, msg: str, status: int | None = None, headers: dict[str, str] | None = None) -> Reply:
    http_status = status if status is not None else _HTTP_STATUS_FOR_CODE.get(code, 400)
    payload = {"code": code, "msg": msg, "error": {"log_id": secrets.token_hex(12)}}
    return json_reply(http_status, payload, headers)


class OpenApiServer:
    """The server, tokens, auth and call log of the fake; subclasses add endpoint routes to `_routes`."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_expire = 7200
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._tokens: set[str] = set()
        self._failures: list[FailureRule] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = [
            ("POST", re.compile(r"/open-apis/auth/v3/tenant_access_token/internal"), self._tenant_token),
            ("POST", re.compile(r"/open-apis/auth/v3/app_access_token/internal"), self._app_token),
            ("POST", re.compile(r"/callback/ws/endpoint"), self._ws_endpoint),
        ]
        self.ws_discovery_url: str | None = None  # set by attach_ws

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # silence stderr noise
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-feishu", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "call start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def lark_client(self) -> lark.Client:
        """A real lark-oapi client pointed at this server."""
        return (
            lark.Client.builder()
            .app_id(self.app_id)
            .app_secret(self.app_secret)
            .domain(self.base_url)
            .log_level(lark.LogLevel.ERROR)
            .build()
        )

    # ----- what tests read -------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, path_prefix: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(path_prefix) and (method is None or c.method == method)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll a zero-argument ``predicate`` until it is true or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())

    # ----- fault injection -------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int = 500,
        code: int = 0,
        path_prefix: str = "/open-apis/im/",
        raw_body: bytes | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``n`` requests under ``path_prefix`` (only ``method`` ones when given) answer HTTP ``status``.

        The body is ``{"code": code or status, "msg": ...}``, or ``raw_body`` verbatim (e.g. an
        HTML gateway page, which makes lark-oapi raise while parsing JSON).
        """
        if raw_body is not None:
            reply = Reply(status, raw_body, {"Content-Type": "text/html"})
        else:
            reply = error(code or status, "injected failure", status=status)
        with self._lock:
            self._failures.append(FailureRule(path_prefix, n, reply, method))

    def recover(self) -> None:
        """Drop every pending injected failure: the service is healthy again."""
        with self._lock:
            self._failures.clear()

    def fail_with_code(self, n: int, code: int, path_prefix: str = "/open-apis/im/", status: int | None = None) -> None:
        """The next ``n`` matching requests answer a Feishu error body with ``code``.

        HTTP status defaults to what Feishu uses: 429 for 99991400 (with an
        ``x-ogw-ratelimit-reset`` header), 400 otherwise (230020, 99991663, ...).
        """
        http_status = status if status is not None else _HTTP_STATUS_FOR_CODE.get(code, 400)
        headers = {"x-ogw-ratelimit-reset": "1"} if http_status == 429 else None
        reply = error(code, f"injected error {code}", status=http_status, headers=headers)
        with self._lock:
            self._failures.append(FailureRule(path_prefix, n, reply))

    def attach_ws(self, ws_base_url: str) -> None:
        """Serve long-connection discovery (one FEISHU_DOMAIN for both) by forwarding it to a
        `tests.fakes.feishu_ws.FakeFeishuWs` at `ws_base_url`."""
        self.ws_discovery_url = ws_base_url.rstrip("/") + "/callback/ws/endpoint"

    def _ws_endpoint(self, call: Call) -> Reply:
        if self.ws_discovery_url is None:
            return json_reply(404, {"code": 404, "msg": "no long-connection endpoint attached"})
        request = urllib.request.Request(
            self.ws_discovery_url, data=call.body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json_reply(200, json.loads(response.read()))

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far (lark-oapi's cached token now gets 99991663)."""
        with self._lock:
            self._tokens.clear()

    # ----- request plumbing ------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        parsed: dict[str, Any] | None = None
        # lark-oapi sends its token request with no Content-Type, so try JSON on any non-form body.
        if body and not headers.get("content-type", "").startswith("multipart/"):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        call = Call(handler.command, url.path, dict(parse_qsl(url.query)), headers, parsed, body)
        with self._lock:
            self._calls.append(call)
        reply = self._dispatch(call)
        handler.send_response(reply.status)
        # lark-oapi reads response headers from a plain dict: keep Feishu's exact casing.
        for name, value in {**reply.headers, "Content-Length": str(len(reply.body))}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)

    def _dispatch(self, call: Call) -> Reply:
        injected = self._take_failure(call.path, call.method)
        if injected is not None:
            return injected
        for method, pattern, route in self._routes:
            match = pattern.fullmatch(call.path)
            if method == call.method and match:
                if call.path not in _TOKEN_PATHS:
                    denied = self._check_auth(call)
                    if denied is not None:
                        return denied
                return route(call, *match.groups())
        return json_reply(404, {"code": 404, "msg": "404 page not found"})

    def _take_failure(self, path: str, method: str) -> Reply | None:
        with self._lock:
            for rule in self._failures:
                if rule.remaining > 0 and path.startswith(rule.path_prefix) and rule.method in (None, method):
                    rule.remaining -= 1
                    return rule.reply
        return None

    def _check_auth(self, call: Call) -> Reply | None:
        auth = call.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return error(
                CODE_MISSING_TOKEN,
                "Missing access token for authorization. Please make a request with token attached.",
            )
        with self._lock:
            valid = auth[7:].strip() in self._tokens
        if not valid:
            return error(
                CODE_INVALID_TENANT_TOKEN,
                "Invalid access token for authorization. Please make a request with token attached.",
            )
        return None

    # ----- auth ------------------------------------------------------------------------------

    def _issue(self, prefix: str) -> str:
        token = f"{prefix}-{secrets.token_hex(16)}"
        with self._lock:
            self._tokens.add(token)
        return token

    def _credentialserror(self, call: Call) -> Reply | None:
        body = call.json or {}
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return error(CODE_APP_SECRET_INVALID, "app secret invalid")
        return None

    def _tenant_token(self, call: Call) -> Reply:
        denied = self._credentialserror(call)
        if denied is not None:
            return denied
        payload = {
            "code": 0,
            "msg": "ok",
            "tenant_access_token": self._issue("t"),
            "expire": self.token_expire,
        }
        return json_reply(200, payload)

    def _app_token(self, call: Call) -> Reply:
        denied = self._credentialserror(call)
        if denied is not None:
            return denied
        payload = {
            "code": 0,
            "msg": "ok",
            "app_access_token": self._issue("a"),
            "tenant_access_token": self._issue("t"),
            "expire": self.token_expire,
        }
        return json_reply(200, payload)
