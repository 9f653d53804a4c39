"""The fake Feishu's IM endpoints (``/open-apis/im/v1``): sending, replying to and patching messages (with
``uuid`` idempotency), history, single messages and their resources, image/file uploads and chat members;
plus `history_item`, a message as the history endpoint returns it."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from tests.fakes.feishu_server import (
    CODE_BOT_NOT_IN_CHAT,
    CODE_EDIT_WINDOW_PASSED,
    CODE_FIELD_VALIDATION,
    CODE_INVALID_CONTENT,
    CODE_RECALLED,
    Call,
    OpenApiServer,
    Reply,
    error,
    ok,
)

EDIT_WINDOW_MS = 14 * 86_400_000  # PATCH /im/v1/messages/:id works only within 14 days of sending


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


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
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


def page(
    items: list[dict[str, Any]], query: dict[str, str], default_size: int, max_size: int
) -> tuple[list[dict[str, Any]], bool, str]:
    """Slice ``items`` by ``page_size``/``page_token``; returns (page, has_more, next_token)."""
    size = min(int(query.get("page_size") or default_size), max_size)
    start = int(query.get("page_token") or 0)
    page = items[start : start + size]
    has_more = start + size < len(items)
    return page, has_more, str(start + size) if has_more else ""


class ImEndpoints(OpenApiServer):
    """The IM endpoints and what they remember; tests seed ``chats``, ``history`` and ``resources``."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__(app_id, app_secret)
        self.chats: dict[str, list[dict[str, Any]]] = {}
        self.owners: dict[str, str] = {}  # chat id → its owner's open id (GET /im/v1/chats/:chat_id)
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.resources: dict[tuple[str, str], bytes] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # key -> {"kind", "type", "name", "data"}
        self._sent: list[dict[str, Any]] = []
        self._by_uuid: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, dict[str, Any]] = {}
        self._card_updates: list[dict[str, Any]] = []
        self._routes += [
            ("POST", re.compile(r"/open-apis/im/v1/messages"), self._create_message),
            ("GET", re.compile(r"/open-apis/im/v1/messages"), self._list_messages),
            ("POST", re.compile(r"/open-apis/im/v1/messages/([^/]+)/reply"), self._reply_message),
            ("PATCH", re.compile(r"/open-apis/im/v1/messages/([^/]+)"), self._patch_message),
            ("GET", re.compile(r"/open-apis/im/v1/messages/([^/]+)/resources/([^/]+)"), self._resource),
            ("GET", re.compile(r"/open-apis/im/v1/messages/([^/]+)"), self._get_message),
            ("POST", re.compile(r"/open-apis/im/v1/images"), self._upload_image),
            ("POST", re.compile(r"/open-apis/im/v1/files"), self._upload_file),
            ("GET", re.compile(r"/open-apis/im/v1/chats/([^/]+)/members"), self._chat_members),
            ("GET", re.compile(r"/open-apis/im/v1/chats/([^/]+)"), self._chat),
        ]

    # ----- what tests read -------------------------------------------------------------------

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

    def current(self, message_id: str) -> dict[str, Any]:
        """A sent message as the chat shows it now (its content after every update)."""
        with self._lock:
            return dict(self._messages[message_id])

    def age(self, message_id: str, days: float) -> None:
        """Make a sent message `days` older (past 14 days Feishu refuses to update it)."""
        with self._lock:
            self._messages[message_id]["create_time"] -= int(days * 86_400_000)

    def recall(self, message_id: str) -> None:
        """The message is recalled (an admin took it back): updates to it are refused."""
        with self._lock:
            self._messages[message_id]["recalled"] = True

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

    def _store_message(self, call: Call, record: dict[str, Any]) -> Reply:
        """Validate content, honour ``uuid`` idempotency, remember the message, answer Feishu's shape."""
        body = call.json or {}
        raw_content = body.get("content")
        if not body.get("msg_type") or not isinstance(raw_content, str):
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        try:
            content = json.loads(raw_content)
        except ValueError:
            return error(CODE_INVALID_CONTENT, "invalid message content")
        uuid = body.get("uuid") or None
        with self._lock:
            if uuid is not None and uuid in self._by_uuid:
                return ok(self._message_data(self._by_uuid[uuid], raw_content))
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
        return ok(self._message_data(record, raw_content))

    def _create_message(self, call: Call) -> Reply:
        id_type = call.query.get("receive_id_type")
        receive_id = (call.json or {}).get("receive_id")
        if not id_type or not receive_id:
            return error(CODE_FIELD_VALIDATION, "field validation failed")
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

    def _reply_message(self, call: Call, message_id: str) -> Reply:
        record = {
            "receive_id": None,
            "receive_id_type": None,
            "chat_id": self._chat_of(message_id),
            "reply_to": message_id,
            "reply_in_thread": bool((call.json or {}).get("reply_in_thread")),
        }
        return self._store_message(call, record)

    def _patch_message(self, call: Call, message_id: str) -> Reply:
        raw_content = (call.json or {}).get("content")
        if not isinstance(raw_content, str):
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        with self._lock:
            record = self._messages.get(message_id)
        # Feishu only lets an app update interactive cards it sent itself, not recalled, within 14 days.
        if record is None or record["msg_type"] != "interactive":
            return error(CODE_INVALID_CONTENT, "message is not an interactive card sent by this app")
        if record.get("recalled"):
            return error(CODE_RECALLED, "The message is recalled.")
        if time.time() * 1000 - record["create_time"] > EDIT_WINDOW_MS:
            return error(CODE_EDIT_WINDOW_PASSED, "Message can only be modified within 14 days after sending.")
        try:
            content = json.loads(raw_content)
        except ValueError:
            return error(CODE_INVALID_CONTENT, "invalid message content")
        with self._lock:
            record["content"] = content
            self._card_updates.append({"message_id": message_id, "content": content})
        return ok({})

    def _list_messages(self, call: Call) -> Reply:
        q = call.query
        chat_id = q.get("container_id", "")
        if q.get("container_id_type") not in ("chat", "thread") or not chat_id:
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        if chat_id not in self.history and chat_id not in self.chats:
            return error(CODE_BOT_NOT_IN_CHAT, "Bot/User can NOT be out of the chat.")
        # start_time / end_time are Unix seconds; create_time is a string of milliseconds.
        start = int(q["start_time"]) * 1000 if q.get("start_time") else 0
        end = int(q["end_time"]) * 1000 + 999 if q.get("end_time") else 2**63
        items = [m for m in self.history.get(chat_id, []) if start <= int(m["create_time"]) <= end]
        items.sort(key=lambda m: int(m["create_time"]), reverse=q.get("sort_type") == "ByCreateTimeDesc")
        items_page, has_more, token = page(items, q, default_size=20, max_size=50)
        data: dict[str, Any] = {"has_more": has_more, "items": items_page}
        if has_more:
            data["page_token"] = token
        return ok(data)

    def _get_message(self, call: Call, message_id: str) -> Reply:
        """GET /open-apis/im/v1/messages/{message_id}: served from ``history``."""
        for items in self.history.values():
            for item in items:
                if item.get("message_id") == message_id:
                    return ok({"items": [item]})
        return error(230011, "The message was not found, maybe it has been recalled or deleted.")

    def _resource(self, call: Call, message_id: str, file_key: str) -> Reply:
        if call.query.get("type") not in ("image", "file"):
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        data = self.resources.get((message_id, file_key))
        if data is None:
            return error(234003, "File not in msg.")
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{file_key}"',
        }
        return Reply(200, data, headers)

    # ----- uploads ---------------------------------------------------------------------------

    def _upload(self, call: Call, kind: str, file_field: str, type_field: str) -> Reply:
        form = parse_multipart(call.headers.get("content-type", ""), call.body)
        if file_field not in form or type_field not in form:
            return error(CODE_FIELD_VALIDATION, "field validation failed")
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
        return ok({f"{kind}_key": key})

    def _upload_image(self, call: Call) -> Reply:
        return self._upload(call, "image", "image", "image_type")

    def _upload_file(self, call: Call) -> Reply:
        return self._upload(call, "file", "file", "file_type")

    # ----- chats -----------------------------------------------------------------------------

    def _chat(self, call: Call, chat_id: str) -> Reply:
        if chat_id not in self.chats and chat_id not in self.owners:
            return error(CODE_BOT_NOT_IN_CHAT, "Bot/User can NOT be out of the chat.")
        owner = self.owners.get(chat_id, "")
        return ok({"chat_id": chat_id, "name": "应急群", "owner_id_type": "open_id", "owner_id": owner})

    def _chat_members(self, call: Call, chat_id: str) -> Reply:
        if chat_id not in self.chats:
            return error(CODE_BOT_NOT_IN_CHAT, "Bot/User can NOT be out of the chat.")
        id_type = call.query.get("member_id_type", "open_id")
        members = [{"member_id_type": id_type, "tenant_key": "tenant_test", **member} for member in self.chats[chat_id]]
        items_page, has_more, token = page(members, call.query, default_size=20, max_size=100)
        return ok({"items": items_page, "page_token": token, "has_more": has_more, "member_total": len(members)})
