"""SANDBOX_PASSWORD: the sandbox lets whoever opens the page post as any member, so off loopback the page and
its API ask for a password (HTTP basic auth, any user name; the browser keeps it for the page's own calls).
/healthz and the signed report links stay open: they carry their own checks."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

OPEN_PATHS = ("/healthz", "/reports/")
CHALLENGE = {"WWW-Authenticate": 'Basic realm="crisisbot sandbox", charset="UTF-8"'}


def password_of(authorization: str) -> str | None:
    """The password of a `Basic …` Authorization header, None if there is none."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]


def require_password(password: str) -> Callable[[Request, Callable], Awaitable[Response]]:
    async def check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path.startswith(OPEN_PATHS):
            return await call_next(request)
        given = password_of(request.headers.get("authorization", ""))
        if given is None or not hmac.compare_digest(given.encode(), password.encode()):
            return PlainTextResponse("需要沙盒密码（SANDBOX_PASSWORD）", status_code=401, headers=CHALLENGE)
        return await call_next(request)

    return check
