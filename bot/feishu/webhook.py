"""POST /feishu/events: size cap, replay window, signature, decryption and token checks with
proper status codes, then lark-oapi's dispatcher (which persists the event) — all before 200."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import lark_oapi as lark
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from lark_oapi.core.utils import AESCipher

from bot.config import Settings
from bot.feishu import events

log = logging.getLogger(__name__)

TIMESTAMP = "X-Lark-Request-Timestamp"
NONCE = "X-Lark-Request-Nonce"
SIGNATURE = "X-Lark-Signature"
NOT_STORED = {"msg": "event not stored, will be retried"}  # the one body of a failed delivery


@dataclass
class Rejection(Exception):
    status: int
    reason: str


def _decrypt(body: dict[str, Any], encrypt_key: str) -> dict[str, Any]:
    if "encrypt" not in body:
        return body
    if not encrypt_key:
        raise Rejection(400, "encrypted body but FEISHU_ENCRYPT_KEY is not configured")
    try:
        plain = AESCipher(encrypt_key).decrypt_str(str(body["encrypt"]))
        data = _json(plain)
    except Rejection:
        raise
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Rejection(400, f"cannot decrypt body: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise Rejection(400, "decrypted body is not a JSON object")
    return data


def _json(text: bytes | str) -> Any:
    """A JSON document that can be stored as UTF-8; Rejection(400) for anything else: not JSON, nested too
    deeply for the parser (“[[[[…”), or holding a lone surrogate (“\\ud800”) no database can store."""
    try:
        data = json.loads(text)
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise Rejection(400, "body holds text that is not valid Unicode") from None
    except (ValueError, UnicodeDecodeError):
        raise Rejection(400, "body is not JSON") from None
    except RecursionError:
        raise Rejection(400, "body is nested too deeply") from None
    return data


def _token_of(data: dict[str, Any]) -> str | None:
    header = data.get("header")
    if isinstance(header, dict) and "token" in header:
        return header.get("token")
    return data.get("token")


def verify(headers: Any, raw: bytes, settings: Settings, *, now: float | None = None) -> dict[str, Any]:
    """The decrypted envelope of an authentic, fresh request; raises Rejection otherwise."""
    if len(raw) > settings.webhook_max_body_bytes:
        raise Rejection(413, "body too large")
    body = _json(raw)
    if not isinstance(body, dict):
        raise Rejection(400, "body is not a JSON object")
    key = settings.feishu_encrypt_key
    if not key and not settings.unsigned_webhooks:
        raise Rejection(503, "FEISHU_ENCRYPT_KEY is not configured: unsigned events are refused")
    data = _decrypt(body, key)
    token = settings.feishu_verification_token
    if token and not hmac.compare_digest(str(_token_of(data) or ""), token):
        raise Rejection(403, "verification token mismatch")
    if data.get("type") == "url_verification":
        return data  # Feishu does not sign the URL check
    timestamp = headers.get(TIMESTAMP)
    if key:
        nonce, signature = headers.get(NONCE), headers.get(SIGNATURE)
        if not (timestamp and nonce and signature):
            raise Rejection(401, "signature headers missing")
        expected = hashlib.sha256((timestamp + nonce + key).encode() + raw).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise Rejection(401, "bad signature")
    if timestamp is not None:
        try:
            age = (now if now is not None else time.time()) - int(timestamp)
        except ValueError:
            raise Rejection(401, "bad timestamp") from None
        if abs(age) > settings.webhook_replay_window_seconds:
            raise Rejection(401, f"timestamp outside the {settings.webhook_replay_window_seconds}s window")
    return data


def router(settings: Settings, dispatcher: lark.EventDispatcherHandler) -> APIRouter:
    api = APIRouter()

    @api.post("/feishu/events")
    async def feishu_events(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.webhook_max_body_bytes:
            return JSONResponse({"msg": "body too large"}, status_code=413)
        raw = await request.body()
        try:
            data = verify(request.headers, raw, settings)
        except Rejection as rej:
            log.warning("webhook rejected (%s): %s", rej.status, rej.reason)
            return JSONResponse({"msg": rej.reason}, status_code=rej.status)
        if data.get("type") == "url_verification":
            return JSONResponse({"challenge": data.get("challenge", "")})
        event_type = (data.get("header") or {}).get("event_type") if isinstance(data.get("header"), dict) else None
        if event_type != events.CARD_ACTION and event_type not in events.SUBSCRIBED:
            log.info("event %r acknowledged and ignored", event_type or data.get("type"))
            return JSONResponse({"msg": "ignored"})
        try:
            events.keys(data)
        except events.MalformedEvent as exc:
            return JSONResponse({"msg": str(exc)}, status_code=400)
        store = getattr(dispatcher, "store_envelope", None)
        event_id = (data.get("header") or {}).get("event_id") if isinstance(data.get("header"), dict) else None
        if event_type != events.CARD_ACTION and store is not None:
            # Verified and decrypted above: stored as is (lark-oapi would decrypt and map it a second time).
            try:
                await run_in_threadpool(store, data)
            except Exception as exc:
                log.error("event %s not stored (%s); Feishu will retry", event_id, type(exc).__name__)
                return JSONResponse(NOT_STORED, status_code=500)
            return JSONResponse({"msg": "success"})
        # Starlette's Headers keep case-insensitive lookup, which lark-oapi's signature check needs.
        raw_request = lark.RawRequest()
        raw_request.uri = str(request.url.path)
        raw_request.headers = request.headers
        raw_request.body = raw
        try:
            result = await run_in_threadpool(dispatcher.do, raw_request)
        except Exception as exc:
            log.error("event %s: dispatcher failed: %s", event_id, type(exc).__name__)
            return JSONResponse(NOT_STORED, status_code=500)
        if result.status_code >= 500:
            # lark-oapi puts `str(e)` in the body (SQL, message text, credentials): never pass it on.
            log.error("event %s not stored (HTTP %s); Feishu will retry", event_id, result.status_code)
            return JSONResponse(NOT_STORED, status_code=500)
        return Response(
            content=result.content,
            status_code=result.status_code,
            media_type="application/json",
        )

    return api
