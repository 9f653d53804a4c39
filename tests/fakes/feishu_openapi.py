"""A fake Feishu Open API server on loopback, for tests that drive the real lark-oapi client.

Point lark-oapi at it with ``lark.Client.builder().domain(fake.base_url)`` (lark-oapi accepts
``http://`` only for 127.0.0.1 / localhost / ::1). The server issues tenant tokens, checks the
``Authorization`` header on every other endpoint, records every request, and answers with
Feishu's response shapes (``{"code": 0, "msg": "success", "data": {...}}``).

The parts: `tests.fakes.feishu_server` (HTTP, tokens, auth, call log, fault injection) and
`tests.fakes.feishu_im` (message, upload and chat endpoints), `tests.fakes.feishu_docx` (docx documents and
drive permissions), `tests.fakes.feishu_task` (task v2). lark-oapi caches tenant tokens
process-globally; call :func:`reset_lark_token_cache` between tests.
"""

from __future__ import annotations

from tests.fakes.feishu_docx import DocxEndpoints
from tests.fakes.feishu_im import history_item
from tests.fakes.feishu_server import (
    CODE_APP_SECRET_INVALID,
    CODE_BOT_NOT_IN_CHAT,
    CODE_CHAT_RATE_LIMIT,
    CODE_FIELD_VALIDATION,
    CODE_INVALID_CONTENT,
    CODE_INVALID_TENANT_TOKEN,
    CODE_MISSING_TOKEN,
    CODE_RATE_LIMIT,
    Call,
    reset_lark_token_cache,
)
from tests.fakes.feishu_task import TaskEndpoints

__all__ = [
    "CODE_APP_SECRET_INVALID",
    "CODE_BOT_NOT_IN_CHAT",
    "CODE_CHAT_RATE_LIMIT",
    "CODE_FIELD_VALIDATION",
    "CODE_INVALID_CONTENT",
    "CODE_INVALID_TENANT_TOKEN",
    "CODE_MISSING_TOKEN",
    "CODE_RATE_LIMIT",
    "Call",
    "FakeFeishu",
    "history_item",
    "reset_lark_token_cache",
]


class FakeFeishu(TaskEndpoints, DocxEndpoints):
    """Loopback Feishu Open API. Use ``start()``/``stop()`` or as a context manager."""

    def __init__(self, app_id: str = "cli_test", app_secret: str = "secret_test") -> None:
        super().__init__(app_id, app_secret)
