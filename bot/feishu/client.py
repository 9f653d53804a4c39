"""The Feishu Messenger over lark-oapi: send / reply / update cards / upload images and files.
Errors are classified for the outbox: network, 5xx and rate limits are retried; an invalid
tenant token clears lark-oapi's token cache and is retried once at once."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from typing import Any

import lark_oapi as lark
from lark_oapi.api.im.v1 import (
    CreateFileRequest,
    CreateFileRequestBody,
    CreateImageRequest,
    CreateImageRequestBody,
    CreateMessageRequest,
    CreateMessageRequestBody,
    GetChatMembersRequest,
    GetChatRequest,
    GetMessageRequest,
    GetMessageResourceRequest,
    ListMessageRequest,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.core.token.manager import TokenManager

from bot.config import Settings
from bot.core.messages import Inbound, Outbound
from bot.core.messenger import NotEditable, ReadError, SendError
from bot.feishu import events, render

log = logging.getLogger(__name__)

INVALID_TOKEN_CODES = {99991661, 99991663, 99991664, 99991665, 99991668}
RATE_LIMIT_CODES = {99991400, 230020, 11232, 11233, 11247}
RETRYABLE_CODES = RATE_LIMIT_CODES | {1000, 1001, 1500, 1504, 2200, 99991401, 99991672}
EDIT_WINDOW_PASSED = 230031  # a message can only be updated within 14 days of sending; it stays in the chat
RECALLED = 230011  # the message was recalled: nothing to update, nothing left to see


def build_client(settings: Settings) -> lark.Client:
    return (
        lark.Client.builder()
        .app_id(settings.feishu_app_id)
        .app_secret(settings.feishu_app_secret)
        .domain(settings.feishu_base_url)
        .timeout(10)
        .log_level(lark.LogLevel.WARNING)
        .build()
    )


def clear_token_cache(app_id: str) -> None:
    """Forget lark-oapi's cached tenant/app tokens for this app (they live process-wide)."""
    for key in (f"self_tenant_token:{app_id}", f"self_app_token:{app_id}"):
        TokenManager.cache.set(key, "", 0)


class InvalidToken(SendError):
    """The tenant token was rejected (expired or revoked)."""


class FeishuMessenger:
    def __init__(self, client: lark.Client, app_id: str) -> None:
        self.client = client
        self.app_id = app_id

    def send(self, message: Outbound, *, uuid: str) -> str:
        try:
            return self._send(message, uuid)
        except InvalidToken:
            log.warning("tenant token rejected; clearing lark-oapi's token cache and retrying once")
            clear_token_cache(self.app_id)
            return self._send(message, uuid)

    # ---- one attempt ----------------------------------------------------------------------

    def _send(self, message: Outbound, uuid: str) -> str:
        key = ""
        if message.kind in ("image", "file"):
            key = self._upload(message)
        msg_type, content = render.content(message, uploaded_key=key)
        if message.update_message_id:
            request = (
                PatchMessageRequest.builder()
                .message_id(message.update_message_id)
                .request_body(PatchMessageRequestBody.builder().content(content).build())
                .build()
            )
            self._checked(lambda: self.client.im.v1.message.patch(request), "update card")
            return message.update_message_id
        if message.reply_to:
            request = (
                ReplyMessageRequest.builder()
                .message_id(message.reply_to)
                .request_body(ReplyMessageRequestBody.builder().msg_type(msg_type).content(content).uuid(uuid).build())
                .build()
            )
            response = self._checked(lambda: self.client.im.v1.message.reply(request), "reply")
        else:
            request = (
                CreateMessageRequest.builder()
                .receive_id_type("chat_id")
                .request_body(
                    CreateMessageRequestBody.builder()
                    .receive_id(message.chat_id)
                    .msg_type(msg_type)
                    .content(content)
                    .uuid(uuid)
                    .build()
                )
                .build()
            )
            response = self._checked(lambda: self.client.im.v1.message.create(request), "send")
        return response.data.message_id if response.data else ""

    def _upload(self, message: Outbound) -> str:
        data = io.BytesIO(message.content or b"")
        if message.kind == "image":
            request = (
                CreateImageRequest.builder()
                .request_body(CreateImageRequestBody.builder().image_type("message").image(data).build())
                .build()
            )
            return self._checked(lambda: self.client.im.v1.image.create(request), "upload image").data.image_key
        request = (
            CreateFileRequest.builder()
            .request_body(
                CreateFileRequestBody.builder()
                .file_type(_file_type(message.file_name))
                .file_name(message.file_name or "file")
                .file(data)
                .build()
            )
            .build()
        )
        return self._checked(lambda: self.client.im.v1.file.create(request), "upload file").data.file_key

    def _checked(self, call, what: str) -> Any:
        try:
            response = call()
        except Exception as exc:  # network error, or a 5xx page that is not JSON
            raise SendError(f"{what}: {type(exc).__name__}: {exc}", retryable=True) from exc
        status = getattr(response.raw, "status_code", 200) if response.raw is not None else 200
        if response.success():
            return response
        code = response.code
        detail = f"{what}: HTTP {status}, code {code}: {response.msg}"
        if code in INVALID_TOKEN_CODES:
            raise InvalidToken(detail, retryable=True)
        if code in (EDIT_WINDOW_PASSED, RECALLED):
            raise NotEditable(detail, visible=code == EDIT_WINDOW_PASSED)
        if code in RATE_LIMIT_CODES or status == 429:
            raise SendError(detail, retryable=True, retry_after=1.0)
        if status >= 500 or code in RETRYABLE_CODES:
            raise SendError(detail, retryable=True)
        raise SendError(detail, retryable=False)


def _items(response: Any) -> list[dict[str, Any]]:
    """Message items of a list/get response as plain dicts (the wire field names)."""
    items = getattr(response.data, "items", None) or []
    return [json.loads(lark.JSON.marshal(item)) for item in items]


def _file_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {
        "pdf": "pdf",
        "doc": "doc",
        "docx": "doc",
        "xls": "xls",
        "xlsx": "xls",
        "ppt": "ppt",
        "pptx": "ppt",
        "mp4": "mp4",
        "opus": "opus",
    }.get(suffix, "stream")


class FeishuReader:
    """Reads history, single messages and attachments back through the Open API."""

    def __init__(self, client: lark.Client, app_id: str) -> None:
        self.client = client
        self.app_id = app_id

    def _call(self, call, what: str):
        try:
            response = call()
        except Exception as exc:
            raise ReadError(f"{what}: {type(exc).__name__}: {exc}") from exc
        if response.code in INVALID_TOKEN_CODES:
            clear_token_cache(self.app_id)
            response = call()
        if not response.success():
            raise ReadError(f"{what}: code {response.code}: {response.msg}")
        return response

    def history(self, chat_id: str, start: datetime, end: datetime) -> list[Inbound]:
        messages: list[Inbound] = []
        token = ""
        for _ in range(200):  # at most 10,000 messages per backfill
            builder = (
                ListMessageRequest.builder()
                .container_id_type("chat")
                .container_id(chat_id)
                .start_time(str(int(start.timestamp())))
                .end_time(str(int(end.timestamp())))
                .sort_type("ByCreateTimeAsc")
                .page_size(50)
            )
            if token:
                builder = builder.page_token(token)
            request = builder.build()
            response = self._call(lambda request=request: self.client.im.v1.message.list(request), "list messages")
            for item in _items(response):
                message = events.history_item_to_inbound(item)
                if message is not None:
                    messages.append(message)
            if not response.data.has_more or not response.data.page_token:
                break
            token = response.data.page_token
        return messages

    def fetch(self, message_id: str) -> Inbound | None:
        request = GetMessageRequest.builder().message_id(message_id).build()
        try:
            response = self._call(lambda: self.client.im.v1.message.get(request), "get message")
        except ReadError:
            return None
        items = _items(response)
        return events.history_item_to_inbound(items[0]) if items else None

    def download(self, message_id: str, key: str, kind: str) -> bytes:
        request = (
            GetMessageResourceRequest.builder()
            .message_id(message_id)
            .file_key(key)
            .type("image" if kind == "image" else "file")
            .build()
        )
        response = self._call(lambda: self.client.im.v1.message_resource.get(request), "download resource")
        return response.file.read()

    def members(self, chat_id: str) -> dict[str, str]:
        """The group's members by open id with their names (im/v1/chats/:chat_id/members, paged)."""
        found: dict[str, str] = {}
        token = ""
        for _ in range(100):  # at most 10,000 members
            builder = GetChatMembersRequest.builder().chat_id(chat_id).member_id_type("open_id").page_size(100)
            if token:
                builder = builder.page_token(token)
            request = builder.build()
            response = self._call(lambda request=request: self.client.im.v1.chat_members.get(request), "chat members")
            for item in response.data.items or []:
                if item.member_id and item.name:
                    found[item.member_id] = item.name
            if not response.data.has_more or not response.data.page_token:
                break
            token = response.data.page_token
        return found

    def owner(self, chat_id: str) -> str | None:
        """The group's owner by open id (im/v1/chats/:chat_id owner_id)."""
        request = GetChatRequest.builder().chat_id(chat_id).user_id_type("open_id").build()
        response = self._call(lambda: self.client.im.v1.chat.get(request), "get chat")
        return response.data.owner_id or None
