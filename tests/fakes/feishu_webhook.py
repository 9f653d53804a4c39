"""Build webhook requests exactly as Feishu sends them: schema 2.0 envelopes, AES body, signature.

Typical use::

    body = encrypt_body(message_event(event_id="ev1", message_id="om_1", chat_id="oc_1",
                                      text="hello"), ENCRYPT_KEY)
    headers = signed_headers(body, ENCRYPT_KEY)
    client.post("/webhook/event", content=body, headers=headers)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APP_ID = "cli_test"
TENANT_KEY = "tenant_test"


# ----- transport: encryption and signature ---------------------------------------------------


def encrypt_body(plaintext: dict[str, Any] | str, encrypt_key: str) -> bytes:
    """``{"encrypt": base64(iv + AES-256-CBC(sha256(key), iv, PKCS7(plaintext)))}`` as bytes."""
    text = plaintext if isinstance(plaintext, str) else json.dumps(plaintext, ensure_ascii=False)
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    return json.dumps({"encrypt": base64.b64encode(iv + ciphertext).decode()}).encode()


def sign(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """Feishu's ``X-Lark-Signature``: sha256 hex of ``timestamp + nonce + encrypt_key + body``."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def signed_headers(
    body: bytes, encrypt_key: str, timestamp: str | None = None, nonce: str | None = None
) -> dict[str, str]:
    """Headers Feishu sends with a webhook (timestamp in Unix seconds)."""
    ts = timestamp if timestamp is not None else str(int(time.time()))
    nc = nonce if nonce is not None else secrets.token_hex(8)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Lark-Request-Timestamp": ts,
        "X-Lark-Request-Nonce": nc,
        "X-Lark-Signature": sign(ts, nc, encrypt_key, body),
    }


def webhook_request(payload: dict[str, Any], encrypt_key: str | None) -> tuple[bytes, dict[str, str]]:
    """``(body, headers)`` for ``payload``: encrypted and signed when an encrypt key is set."""
    if not encrypt_key:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return body, {"Content-Type": "application/json; charset=utf-8"}
    body = encrypt_body(payload, encrypt_key)
    return body, signed_headers(body, encrypt_key)


# ----- payloads ------------------------------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


def _user_id(open_id: str) -> dict[str, str]:
    """A ``user_id`` object; user_id / union_id are derived so they stay stable per open_id."""
    suffix = open_id.removeprefix("ou_")
    return {"open_id": open_id, "user_id": f"u_{suffix}", "union_id": f"on_{suffix}"}


def _envelope(event_type: str, event_id: str, token: str, event: dict[str, Any], create_time_ms: int) -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "event_type": event_type,
            "create_time": str(create_time_ms),
            "token": token,
            "app_id": APP_ID,
            "tenant_key": TENANT_KEY,
        },
        "event": event,
    }


def url_verification(challenge: str, token: str) -> dict[str, Any]:
    """The challenge Feishu posts when the request URL is configured."""
    return {"challenge": challenge, "token": token, "type": "url_verification"}


def message_event(
    *,
    event_id: str,
    message_id: str,
    chat_id: str,
    text: str | None = None,
    post: dict[str, Any] | None = None,
    sender_open_id: str = "ou_sender",
    chat_type: str = "group",
    create_time_ms: int | None = None,
    mentions: list[dict[str, str]] | None = None,
    token: str = "vtoken",
    message_type: str | None = None,
    content: dict[str, Any] | None = None,
    parent_id: str | None = None,
    root_id: str | None = None,
) -> dict[str, Any]:
    """``im.message.receive_v1``.

    ``text`` becomes ``{"text": ...}``; ``post`` is the post body (``{"title", "content": [[...]]}``);
    ``content`` with ``message_type`` covers other types (e.g. ``image`` with ``{"image_key"}``).
    ``mentions`` are ``{"open_id", "name"}`` dicts, keyed ``@_user_1``, ``@_user_2``... in order;
    write those placeholders into ``text`` yourself, as Feishu does.
    """
    if content is not None:
        body, kind = content, message_type or "text"
    elif post is not None:
        body, kind = post, message_type or "post"
    else:
        body, kind = {"text": text or ""}, message_type or "text"
    created = create_time_ms if create_time_ms is not None else _now_ms()
    message: dict[str, Any] = {
        "message_id": message_id,
        "create_time": str(created),
        "update_time": str(created),
        "chat_id": chat_id,
        "chat_type": chat_type,
        "message_type": kind,
        "content": json.dumps(body, ensure_ascii=False),
    }
    if parent_id:
        message["parent_id"] = parent_id
        message["root_id"] = root_id or parent_id
    if mentions:
        message["mentions"] = [
            {"key": f"@_user_{i}", "id": _user_id(m["open_id"]), "name": m["name"], "tenant_key": TENANT_KEY}
            for i, m in enumerate(mentions, start=1)
        ]
    event = {
        "sender": {"sender_id": _user_id(sender_open_id), "sender_type": "user", "tenant_key": TENANT_KEY},
        "message": message,
    }
    return _envelope("im.message.receive_v1", event_id, token, event, created)


def bot_added_event(
    *,
    event_id: str,
    chat_id: str,
    operator_open_id: str = "ou_operator",
    chat_name: str = "危机处理群",
    token: str = "vtoken",
    external: bool = False,
) -> dict[str, Any]:
    """``im.chat.member.bot.added_v1``: the bot was added to ``chat_id``."""
    event = {
        "chat_id": chat_id,
        "operator_id": _user_id(operator_open_id),
        "external": external,
        "operator_tenant_key": TENANT_KEY,
        "name": chat_name,
        "i18n_names": {"zh_cn": chat_name, "en_us": chat_name},
    }
    return _envelope("im.chat.member.bot.added_v1", event_id, token, event, _now_ms())


def card_action_event(
    *,
    event_id: str,
    open_id: str,
    chat_id: str,
    message_id: str,
    value: dict[str, Any],
    token: str = "vtoken",
    tag: str = "button",
    form_value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``card.action.trigger`` (new-style card callback, schema 2.0).

    ``header.token`` is the verification token; ``event.token`` is the card's update token.
    """
    action: dict[str, Any] = {"value": value, "tag": tag}
    if form_value is not None:
        action["form_value"] = form_value
    event = {
        "operator": {"tenant_key": TENANT_KEY, **_user_id(open_id)},
        "token": f"c-{secrets.token_hex(20)}",
        "action": action,
        "host": "im_message",
        "context": {"open_message_id": message_id, "open_chat_id": chat_id},
    }
    return _envelope("card.action.trigger", event_id, token, event, _now_ms())
