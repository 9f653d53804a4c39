"""A fake Feishu Open API server on loopback, for tests that drive the real lark-oapi client.

Point lark-oapi at it with ``lark.Client.builder().domain(fake.base_url)`` (lark-oapi accepts
``http://`` only for 127.0.0.1 / localhost / ::1). The server issues tenant tokens, checks the
``Authorization`` header on every other endpoint, records every request, and answers with
Feishu's response shapes (``{"code": 0, "msg": "success", "data": {...}}``).

Feishu answers most business errors with HTTP 400 and a JSON body; lark-oapi ignores the
HTTP status and only parses the body, so ``resp.success()`` / ``resp.code`` is what the bot sees.

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
from typing import Any
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
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _FailureRule:
    path_prefix: str
    remaining: int
    reply: _Reply


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


def history_item(
    *,
    message_id: str,
    chat_id: str,
    create_time_ms: int,
    text: str | None = None,
    content: dict[str, Any] | None = None,
    msg_type: str = "text",
    sender_id: str = "ou_sender",
    sender_type: str = "user",
    parent_id: str | None = None,
    root_id: str | None = None,
    deleted: bool = False,
    mentions: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A message item as ``GET /open-apis/im/v1/messages`` returns it (for ``FakeFeishu.history``).
    ``mentions`` takes ``[{"open_id", "name"}]``, keyed ``@_user_1``… in order (text uses the keys)."""
    body = content if content is not None else {"text": text or ""}
    item: dict[str, Any] = {
        "message_id": message_id,
        "msg_type": msg_type,
        "create_time": str(create_time_ms),
        "update_time": str(create_time_ms),
        "deleted": deleted,
        "updated": False,
        "chat_id": chat_id,
        "sender": {
            "id": sender_id,
            "id_type": "open_id" if sender_type == "user" else "app_id",
            "sender_type": sender_type,
            "tenant_key": "tenant_test",
        },
        "body": {"content": json.dumps(body, ensure_ascii=False)},
    }
    if parent_id:
        item["parent_id"] = parent_id
        item["root_id"] = root_id or parent_id
    if mentions:
        item["mentions"] = [
            {
                "key": f"@_user_{i}",
                "id": m["open_id"],
                "id_type": "open_id",
                "name": m["name"],
                "tenant_key": "tenant_test",
            }
            for i, m in enumerate(mentions, start=1)
        ]
    return item


def _json_reply(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> _Reply:
    log_id = secrets.token_hex(12)
    return _Reply(
        status,
        json.dumps(payload, ensure_ascii=False).encode(),
        {"Content-Type": "application/json; charset=utf-8", "X-Tt-Logid": log_id, **(headers or {})},
    )


def _ok(data: dict[str, Any]) -> _Reply:
    return _json_reply(200, {"code": 0, "msg": "success", "data": data})


def _error(code: int, msg: str, status: int | None = None, headers: dict[str, str] | None = None) -> _Reply:
    http_status = status if status is not None else _HTTP_STATUS_FOR_CODE.get(code, 400)
    payload = {"code": code, "msg": msg, "error": {"log_id": secrets.token_hex(12)}}
    return _json_reply(http_status, payload, headers)


def _parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Split a multipart/form-data body into ``{field: (filename, data)}``."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return {}
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:-1]:
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        if name:
            fields[name.group(1)] = (filename.group(1) if filename else None, data.removesuffix(b"\r\n"))
    return fields


def _page(
    items: list[dict[str, Any]], query: dict[str, str], default_size: int, max_size: int
) -> tuple[list[dict[str, Any]], bool, str]:
    """Slice ``items`` by ``page_size``/``page_token``; returns (page, has_more, next_token)."""
    size = min(int(query.get("page_size") or default_size), max_size)
    start = int(query.get("page_token") or 0)
    page = items[start : start + size]
    has_more = start + size < len(items)
    return page, has_more, str(start + size) if has_more else ""


class FakeFeishu:
    """Loopback Feishu Open API. Use ``start()``/``stop()`` or as a context manager."""

    def __init__(self, app_id: str = "cli_test", app_secret: str = "secret_test") -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_expire = 7200
        # Seed data tests fill in directly.
        self.chats: dict[str, list[dict[str, Any]]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.resources: dict[tuple[str, str], bytes] = {}
        # Uploaded images/files: key -> {"kind", "type", "name", "data"}.
        self.uploads: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._sent: list[dict[str, Any]] = []
        self._by_uuid: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, dict[str, Any]] = {}
        self._card_updates: list[dict[str, Any]] = []
        self._tokens: set[str] = set()
        self._failures: list[_FailureRule] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., _Reply]]] = [
            ("POST", re.compile(r"/open-apis/auth/v3/tenant_access_token/internal"), self._tenant_token),
            ("POST", re.compile(r"/open-apis/auth/v3/app_access_token/internal"), self._app_token),
            ("POST", re.compile(r"/open-apis/im/v1/messages"), self._create_message),
            ("GET", re.compile(r"/open-apis/im/v1/messages"), self._list_messages),
            ("POST", re.compile(r"/open-apis/im/v1/messages/([^/]+)/reply"), self._reply_message),
            ("PATCH", re.compile(r"/open-apis/im/v1/messages/([^/]+)"), self._patch_message),
            ("GET", re.compile(r"/open-apis/im/v1/messages/([^/]+)/resources/([^/]+)"), self._resource),
            ("GET", re.compile(r"/open-apis/im/v1/messages/([^/]+)"), self._get_message),
            ("POST", re.compile(r"/open-apis/im/v1/images"), self._upload_image),
            ("POST", re.compile(r"/open-apis/im/v1/files"), self._upload_file),
            ("GET", re.compile(r"/open-apis/im/v1/chats/([^/]+)/members"), self._chat_members),
            ("POST", re.compile(r"/callback/ws/endpoint"), self._ws_endpoint),
        ]
        self.ws_discovery_url: str | None = None  # set by attach_ws

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeFeishu:
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

    def __enter__(self) -> FakeFeishu:
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

    @property
    def sent_messages(self) -> list[dict[str, Any]]:
        """Successful creates and replies, once per ``uuid``, in order."""
        with self._lock:
            return [dict(m) for m in self._sent]

    @property
    def card_updates(self) -> list[dict[str, Any]]:
        """Successful PATCHes: ``{"message_id", "content"}`` with content parsed."""
        with self._lock:
            return [dict(u) for u in self._card_updates]

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
    ) -> None:
        """The next ``n`` requests under ``path_prefix`` answer HTTP ``status``.

        The body is ``{"code": code or status, "msg": ...}``, or ``raw_body`` verbatim (e.g. an
        HTML gateway page, which makes lark-oapi raise while parsing JSON).
        """
        if raw_body is not None:
            reply = _Reply(status, raw_body, {"Content-Type": "text/html"})
        else:
            reply = _error(code or status, "injected failure", status=status)
        with self._lock:
            self._failures.append(_FailureRule(path_prefix, n, reply))

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
        reply = _error(code, f"injected error {code}", status=http_status, headers=headers)
        with self._lock:
            self._failures.append(_FailureRule(path_prefix, n, reply))

    def attach_ws(self, ws_base_url: str) -> None:
        """Serve long-connection discovery (one FEISHU_DOMAIN for both) by forwarding it to a
        `tests.fakes.feishu_ws.FakeFeishuWs` at `ws_base_url`."""
        self.ws_discovery_url = ws_base_url.rstrip("/") + "/callback/ws/endpoint"

    def _ws_endpoint(self, call: Call) -> _Reply:
        if self.ws_discovery_url is None:
            return _json_reply(404, {"code": 404, "msg": "no long-connection endpoint attached"})
        request = urllib.request.Request(
            self.ws_discovery_url, data=call.body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return _json_reply(200, json.loads(response.read()))

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

    def _dispatch(self, call: Call) -> _Reply:
        injected = self._take_failure(call.path)
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
        return _json_reply(404, {"code": 404, "msg": "404 page not found"})

    def _take_failure(self, path: str) -> _Reply | None:
        with self._lock:
            for rule in self._failures:
                if rule.remaining > 0 and path.startswith(rule.path_prefix):
                    rule.remaining -= 1
                    return rule.reply
        return None

    def _check_auth(self, call: Call) -> _Reply | None:
        auth = call.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _error(
                CODE_MISSING_TOKEN,
                "Missing access token for authorization. Please make a request with token attached.",
            )
        with self._lock:
            valid = auth[7:].strip() in self._tokens
        if not valid:
            return _error(
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

    def _credentials_error(self, call: Call) -> _Reply | None:
        body = call.json or {}
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return _error(CODE_APP_SECRET_INVALID, "app secret invalid")
        return None

    def _tenant_token(self, call: Call) -> _Reply:
        denied = self._credentials_error(call)
        if denied is not None:
            return denied
        payload = {
            "code": 0,
            "msg": "ok",
            "tenant_access_token": self._issue("t"),
            "expire": self.token_expire,
        }
        return _json_reply(200, payload)

    def _app_token(self, call: Call) -> _Reply:
        denied = self._credentials_error(call)
        if denied is not None:
            return denied
        payload = {
            "code": 0,
            "msg": "ok",
            "app_access_token": self._issue("a"),
            "tenant_access_token": self._issue("t"),
            "expire": self.token_expire,
        }
        return _json_reply(200, payload)

    # ----- messages --------------------------------------------------------------------------

    def _message_data(self, record: dict[str, Any], raw_content: str) -> dict[str, Any]:
        """The ``data`` object Feishu returns for a created/replied message."""
        now = str(record["create_time"])
        return {
            "message_id": record["message_id"],
            "root_id": record["reply_to"] or "",
            "parent_id": record["reply_to"] or "",
            "thread_id": "",
            "msg_type": record["msg_type"],
            "create_time": now,
            "update_time": now,
            "deleted": False,
            "updated": False,
            "chat_id": record["chat_id"] or "",
            "sender": {
                "id": self.app_id,
                "id_type": "app_id",
                "sender_type": "app",
                "tenant_key": "tenant_test",
            },
            "body": {"content": raw_content},
            "upper_message_id": "",
        }

    def _store_message(self, call: Call, record: dict[str, Any]) -> _Reply:
        """Validate content, honour ``uuid`` idempotency, remember the message, answer Feishu's shape."""
        body = call.json or {}
        raw_content = body.get("content")
        if not body.get("msg_type") or not isinstance(raw_content, str):
            return _error(CODE_FIELD_VALIDATION, "field validation failed")
        try:
            content = json.loads(raw_content)
        except ValueError:
            return _error(CODE_INVALID_CONTENT, "invalid message content")
        uuid = body.get("uuid") or None
        with self._lock:
            if uuid is not None and uuid in self._by_uuid:
                return _ok(self._message_data(self._by_uuid[uuid], raw_content))
            record.update(
                msg_type=body["msg_type"],
                content=content,
                uuid=uuid,
                message_id=f"om_{secrets.token_hex(16)}",
                create_time=int(time.time() * 1000),
            )
            self._sent.append(record)
            self._messages[record["message_id"]] = record
            if uuid is not None:
                self._by_uuid[uuid] = record
        return _ok(self._message_data(record, raw_content))

    def _create_message(self, call: Call) -> _Reply:
        id_type = call.query.get("receive_id_type")
        receive_id = (call.json or {}).get("receive_id")
        if not id_type or not receive_id:
            return _error(CODE_FIELD_VALIDATION, "field validation failed")
        record = {
            "receive_id": receive_id,
            "receive_id_type": id_type,
            "chat_id": receive_id if id_type == "chat_id" else None,
            "reply_to": None,
        }
        return self._store_message(call, record)

    def _chat_of(self, message_id: str) -> str | None:
        with self._lock:
            if message_id in self._messages:
                return self._messages[message_id]["chat_id"]
        for chat_id, items in self.history.items():
            if any(item.get("message_id") == message_id for item in items):
                return chat_id
        return None

    def _reply_message(self, call: Call, message_id: str) -> _Reply:
        record = {
            "receive_id": None,
            "receive_id_type": None,
            "chat_id": self._chat_of(message_id),
            "reply_to": message_id,
            "reply_in_thread": bool((call.json or {}).get("reply_in_thread")),
        }
        return self._store_message(call, record)

    def _patch_message(self, call: Call, message_id: str) -> _Reply:
        raw_content = (call.json or {}).get("content")
        if not isinstance(raw_content, str):
            return _error(CODE_FIELD_VALIDATION, "field validation failed")
        with self._lock:
            record = self._messages.get(message_id)
        # Feishu only lets an app update interactive cards it sent itself.
        if record is None or record["msg_type"] != "interactive":
            return _error(CODE_INVALID_CONTENT, "message is not an interactive card sent by this app")
        try:
            content = json.loads(raw_content)
        except ValueError:
            return _error(CODE_INVALID_CONTENT, "invalid message content")
        with self._lock:
            record["content"] = content
            self._card_updates.append({"message_id": message_id, "content": content})
        return _ok({})

    def _list_messages(self, call: Call) -> _Reply:
        q = call.query
        chat_id = q.get("container_id", "")
        if q.get("container_id_type") not in ("chat", "thread") or not chat_id:
            return _error(CODE_FIELD_VALIDATION, "field validation failed")
        if chat_id not in self.history and chat_id not in self.chats:
            return _error(CODE_BOT_NOT_IN_CHAT, "Bot/User can NOT be out of the chat.")
        # start_time / end_time are Unix seconds; create_time is a string of milliseconds.
        start = int(q["start_time"]) * 1000 if q.get("start_time") else 0
        end = int(q["end_time"]) * 1000 + 999 if q.get("end_time") else 2**63
        items = [m for m in self.history.get(chat_id, []) if start <= int(m["create_time"]) <= end]
        items.sort(key=lambda m: int(m["create_time"]), reverse=q.get("sort_type") == "ByCreateTimeDesc")
        page, has_more, token = _page(items, q, default_size=20, max_size=50)
        data: dict[str, Any] = {"has_more": has_more, "items": page}
        if has_more:
            data["page_token"] = token
        return _ok(data)

    def _get_message(self, call: Call, message_id: str) -> _Reply:
        """GET /open-apis/im/v1/messages/{message_id}: served from ``history``."""
        for items in self.history.values():
            for item in items:
                if item.get("message_id") == message_id:
                    return _ok({"items": [item]})
        return _error(230011, "The message was not found, maybe it has been recalled or deleted.")

    def _resource(self, call: Call, message_id: str, file_key: str) -> _Reply:
        if call.query.get("type") not in ("image", "file"):
            return _error(CODE_FIELD_VALIDATION, "field validation failed")
        data = self.resources.get((message_id, file_key))
        if data is None:
            return _error(234003, "File not in msg.")
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{file_key}"',
        }
        return _Reply(200, data, headers)

    # ----- uploads ---------------------------------------------------------------------------

    def _upload(self, call: Call, kind: str, file_field: str, type_field: str) -> _Reply:
        form = _parse_multipart(call.headers.get("content-type", ""), call.body)
        if file_field not in form or type_field not in form:
            return _error(CODE_FIELD_VALIDATION, "field validation failed")
        filename, data = form[file_field]
        name_field = form.get("file_name")
        key = f"{'img' if kind == 'image' else 'file'}_v3_{secrets.token_hex(12)}"
        with self._lock:
            self.uploads[key] = {
                "kind": kind,
                "type": form[type_field][1].decode(),
                "name": name_field[1].decode() if name_field else filename,
                "data": data,
            }
        return _ok({f"{kind}_key": key})

    def _upload_image(self, call: Call) -> _Reply:
        return self._upload(call, "image", "image", "image_type")

    def _upload_file(self, call: Call) -> _Reply:
        return self._upload(call, "file", "file", "file_type")

    # ----- chats -----------------------------------------------------------------------------

    def _chat_members(self, call: Call, chat_id: str) -> _Reply:
        if chat_id not in self.chats:
            return _error(CODE_BOT_NOT_IN_CHAT, "Bot/User can NOT be out of the chat.")
        id_type = call.query.get("member_id_type", "open_id")
        members = [{"member_id_type": id_type, "tenant_key": "tenant_test", **member} for member in self.chats[chat_id]]
        page, has_more, token = _page(members, call.query, default_size=20, max_size=100)
        return _ok({"items": page, "page_token": token, "has_more": has_more, "member_total": len(members)})
