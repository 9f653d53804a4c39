"""The fake Open API's Docs endpoints (docx documents and blocks, drive folders and permissions), with Feishu's
request/response shapes and error codes."""

from __future__ import annotations

from tests.fakes.feishu_im import ImEndpoints


class DocxEndpoints(ImEndpoints):
    """Docx documents, their blocks, and the drive permissions of a folder's files."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__(app_id, app_secret)
