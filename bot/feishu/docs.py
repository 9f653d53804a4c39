"""The retro's Feishu Doc over lark-oapi (docx v1, drive v1): the `DocWriter` of `bot.retro.documents`.

The outline (`bot.retro.outline`) becomes docx blocks: a section heading is heading1 (block_type 3), a subheading
heading2 (4), a paragraph text (2), a bullet (12), a quote italic text, a table (31) with its cells (32) each holding
a text block, a chart an image (27) whose picture is uploaded afterwards (drive/v1/medias/upload_all, parent_type
docx_image) and set with a replace_image patch. Each section is one `descendant` call (nested blocks in one write;
more past `MAX_BLOCKS`), so the document grows section by section; `rewrite` first deletes the body's children, so a
retry or a restart after a crash rebuilds it whole. Tables are written at most `TABLE_ROWS` rows per table (the
header repeated).

Every call is paced to `CALLS_PER_SECOND` (Feishu: 3 calls/s per app, 3 edits/s per document); a 429 (99991400) is
retried here after the gateway's `x-ogw-ratelimit-reset` or a doubling pause, `RATE_LIMIT_TRIES` times, then handed
back as retryable. A missing scope (99991672, 99991679) or folder/document permission (1061004, 1770032, …) is
`denied`: never retried."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import lark_oapi as lark
from lark_oapi.api.docx.v1 import (
    BatchDeleteDocumentBlockChildrenRequest,
    BatchDeleteDocumentBlockChildrenRequestBody,
    Block,
    CreateDocumentBlockDescendantRequest,
    CreateDocumentBlockDescendantRequestBody,
    CreateDocumentRequest,
    CreateDocumentRequestBody,
    GetDocumentBlockRequest,
    PatchDocumentBlockRequest,
    ReplaceImageRequest,
    UpdateBlockRequest,
)
from lark_oapi.api.drive.v1 import (
    BaseMember,
    CreatePermissionMemberRequest,
    ListFileRequest,
    UploadAllMediaRequest,
    UploadAllMediaRequestBody,
)

from bot.feishu.client import INVALID_TOKEN_CODES, clear_token_cache
from bot.feishu.scopes import DOCS_STEP
from bot.retro.documents import DocError, Placed
from bot.retro.outline import Block as OutlineBlock
from bot.retro.outline import Chart, Outline, Table, Text

log = logging.getLogger(__name__)

CALLS_PER_SECOND = 3.0
RATE_LIMIT_TRIES = 5
TABLE_ROWS = 9  # rows per docx table written at once, header included
MAX_BLOCKS = 1000  # blocks per nested write (Feishu's limit for documents/{id}/blocks/{id}/descendant)
RATE_LIMITED = {99991400}
MISSING_SCOPE = {99991672, 99991679}  # app scope not enabled / user scope not granted
NO_PERMISSION = {1061004, 1770032, 1063002}  # forbidden: on the folder (drive), the document (docx), its members
NOT_FOUND = {1770002, 1770003}  # docx: the document (or block) not found / deleted
RETRYABLE = {1000, 1001, 1500, 1504, 2200, 99991401, 1061045}  # server busy / internal errors

HEADING1, HEADING2, TEXT, BULLET, IMAGE, TABLE, TABLE_CELL = 3, 4, 2, 12, 27, 31, 32


class Pace:
    """At most `per_second` calls per second across threads (the app-wide docs limit)."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1.0 / per_second
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next)
            self._next = at + self.gap
        if at > now:
            time.sleep(at - now)


class FeishuDocs:
    """Writes documents into `folder_token` as the app (tenant token)."""

    def __init__(
        self, client: lark.Client, app_id: str, folder_token: str, *, per_second: float = CALLS_PER_SECOND
    ) -> None:
        self.client = client
        self.app_id = app_id
        self.folder_token = folder_token
        self.pace = Pace(per_second)

    # ----- DocWriter -------------------------------------------------------------------------

    def find(self, title: str) -> Placed | None:
        token = ""
        for _ in range(50):  # at most 10,000 files
            builder = ListFileRequest.builder().folder_token(self.folder_token).page_size(200)
            if token:
                builder = builder.page_token(token)
            request = builder.build()
            data = self._call(lambda request=request: self.client.drive.v1.file.list(request), "find").data
            for file in data.files or []:
                if file.name == title and file.type == "docx":
                    return Placed(file.token, file.url or "")
            if not data.has_more or not data.next_page_token:
                return None
            token = data.next_page_token
        return None

    def create(self, title: str) -> Placed:
        request = (
            CreateDocumentRequest.builder()
            .request_body(CreateDocumentRequestBody.builder().folder_token(self.folder_token).title(title).build())
            .build()
        )
        document = self._call(lambda: self.client.docx.v1.document.create(request), "create").data.document
        try:
            found = self.find(title)  # the folder listing carries the link people open
        except DocError as exc:  # the document exists: it must be recorded, link or not
            log.warning("created document %s but could not read its link: %s", document.document_id, exc)
            found = None
        return Placed(document.document_id, found.url if found else "")

    def rewrite(self, document_id: str, doc: Outline, *, attempt: str) -> None:
        self._clear(document_id)
        parts: list[tuple[str | None, tuple[OutlineBlock, ...]]] = [(None, doc.intro)] if doc.intro else []
        parts += [(section.heading, section.blocks) for section in doc.sections]
        for index, (heading, blocks) in enumerate(parts):
            images = self._append(document_id, heading, blocks, token=f"{attempt}.{index}")
            for block_id, chart in images:
                self._set_image(document_id, block_id, chart)

    def share(self, document_id: str, chat_id: str) -> None:
        request = (
            CreatePermissionMemberRequest.builder()
            .token(document_id)
            .type("docx")
            .need_notification(False)
            .request_body(BaseMember.builder().member_type("openchat").member_id(chat_id).perm("view").build())
            .build()
        )
        self._call(lambda: self.client.drive.v1.permission_member.create(request), "share")

    # ----- the body --------------------------------------------------------------------------

    def _clear(self, document_id: str) -> None:
        request = GetDocumentBlockRequest.builder().document_id(document_id).block_id(document_id).build()
        page = self._call(lambda: self.client.docx.v1.document_block.get(request), "write").data.block
        count = len(page.children or [])
        if not count:
            return
        delete = (
            BatchDeleteDocumentBlockChildrenRequest.builder()
            .document_id(document_id)
            .block_id(document_id)
            .request_body(BatchDeleteDocumentBlockChildrenRequestBody.builder().start_index(0).end_index(count).build())
            .build()
        )
        self._call(lambda: self.client.docx.v1.document_block_children.batch_delete(delete), "write")

    def _append(
        self, document_id: str, heading: str | None, blocks: tuple[OutlineBlock, ...], *, token: str
    ) -> list[tuple[str, Chart]]:
        """One section as nested writes at the end of the body (one call unless it passes `MAX_BLOCKS`); returns its
        image blocks' real ids."""
        tree = _Tree()
        top = [tree.text(HEADING1, heading)] if heading else []
        charts: dict[str, Chart] = {}
        for block in blocks:
            if isinstance(block, Chart):
                temp = tree.add({"block_type": IMAGE, "image": {}})
                charts[temp] = block
                top.append(temp)
            elif isinstance(block, Table):
                top += tree.tables(block)
            else:
                top.append(tree.paragraph(block))
        real: dict[str, str] = {}
        for number, batch in enumerate(_batches([(t, tree.subtree(t)) for t in top])):
            real |= self._descendants(
                document_id,
                [t for t, _ in batch],
                [b for _, tree_blocks in batch for b in tree_blocks],
                token=f"{token}.{number}",
            )
        return [(real[temp], chart) for temp, chart in charts.items() if temp in real]

    def _descendants(self, document_id: str, top: list[str], blocks: list[dict], *, token: str) -> dict[str, str]:
        """One nested write at the end of the body; temporary ids → real ones."""
        request = (
            CreateDocumentBlockDescendantRequest.builder()
            .document_id(document_id)
            .block_id(document_id)
            .document_revision_id(-1)
            .client_token(token)
            .request_body(
                CreateDocumentBlockDescendantRequestBody.builder()
                .children_id(top)
                .index(-1)
                .descendants([Block(b) for b in blocks])
                .build()
            )
            .build()
        )
        data = self._call(lambda: self.client.docx.v1.document_block_descendant.create(request), "write").data
        return {r.temporary_block_id: r.block_id for r in data.block_id_relations or []}

    def _set_image(self, document_id: str, block_id: str, chart: Chart) -> None:
        upload = (
            UploadAllMediaRequest.builder()
            .request_body(
                UploadAllMediaRequestBody.builder()
                .file_name(f"{chart.name}.png")
                .parent_type("docx_image")
                .parent_node(block_id)
                .size(len(chart.png))
                .extra(json.dumps({"drive_route_token": document_id}))
                .file(io.BytesIO(chart.png))
                .build()
            )
            .build()
        )
        file_token = self._call(lambda: self.client.drive.v1.media.upload_all(upload), "upload").data.file_token
        patch = (
            PatchDocumentBlockRequest.builder()
            .document_id(document_id)
            .block_id(block_id)
            .document_revision_id(-1)
            .request_body(
                UpdateBlockRequest.builder().replace_image(ReplaceImageRequest({"token": file_token})).build()
            )
            .build()
        )
        self._call(lambda: self.client.docx.v1.document_block.patch(patch), "write")

    # ----- calls -----------------------------------------------------------------------------

    def _call(self, call: Callable[[], Any], step: str) -> Any:
        pause = 1.0
        for attempt in range(1, RATE_LIMIT_TRIES + 1):
            self.pace.wait()
            try:
                response = call()
            except Exception as exc:  # network error, or a gateway page that is not JSON
                raise DocError(f"{step}: {type(exc).__name__}: {exc}", step=step, retryable=True) from exc
            if response.success():
                return response
            code = response.code
            status = getattr(response.raw, "status_code", 200) if response.raw is not None else 200
            detail = f"{step}: HTTP {status}, code {code}: {response.msg}"
            if code in RATE_LIMITED or status == 429:
                wait = _reset_seconds(response) or pause
                if attempt < RATE_LIMIT_TRIES:
                    log.info("docs rate limited (%s); waiting %.1f s (try %d)", detail, wait, attempt)
                    time.sleep(wait)
                    pause = min(pause * 2, 8.0)
                    continue
                raise DocError(detail, step=step, code=code, retryable=True, retry_after=wait)
            if code in INVALID_TOKEN_CODES and attempt == 1:
                clear_token_cache(self.app_id)
                continue
            if code in MISSING_SCOPE or code in NO_PERMISSION:
                denied = "share" if step == "share" else "scope" if code in MISSING_SCOPE else "folder"
                raise DocError(detail, step=step, code=code, denied=denied, needs=DOCS_STEP[step])
            if code in NOT_FOUND and step == "write":
                raise DocError(detail, step=step, code=code, gone=True)
            raise DocError(detail, step=step, code=code, retryable=status >= 500 or code in RETRYABLE)
        raise DocError(f"{step}: gave up", step=step, retryable=True)


def _reset_seconds(response: Any) -> float | None:
    headers = getattr(response.raw, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "x-ogw-ratelimit-reset"), None)
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _batches(items: list[tuple[str, list[dict]]]) -> list[list[tuple[str, list[dict]]]]:
    """Top-level blocks (each with its subtree) grouped in order so that no write carries more than `MAX_BLOCKS`."""
    batches: list[list[tuple[str, list[dict]]]] = []
    size = MAX_BLOCKS
    for top, blocks in items:
        if size + len(blocks) > MAX_BLOCKS:
            batches.append([])
            size = 0
        batches[-1].append((top, blocks))
        size += len(blocks)
    return batches


class _Tree:
    """Blocks of one nested write, with temporary ids (`b1`, `b2` …) the server maps to real ones."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def subtree(self, block_id: str) -> list[dict[str, Any]]:
        """The block and everything under it, parents first."""
        by_id = {b["block_id"]: b for b in self.blocks}
        found, todo = [], [block_id]
        while todo:
            block = by_id[todo.pop(0)]
            found.append(block)
            todo += block.get("children") or []
        return found

    def add(self, block: dict[str, Any]) -> str:
        block_id = f"b{len(self.blocks) + 1}"
        self.blocks.append({"block_id": block_id, **block})
        return block_id

    def text(self, block_type: int, content: str, *, italic: bool = False, bold: bool = False) -> str:
        field = {HEADING1: "heading1", HEADING2: "heading2", BULLET: "bullet"}.get(block_type, "text")
        style = {k: True for k, on in (("italic", italic), ("bold", bold)) if on}
        run = {"content": content or " ", **({"text_element_style": style} if style else {})}
        return self.add({"block_type": block_type, field: {"elements": [{"text_run": run}]}})

    def paragraph(self, block: Text) -> str:
        if block.kind == "subheading":
            return self.text(HEADING2, block.text)
        if block.kind == "bullet":
            return self.text(BULLET, block.text)
        return self.text(TEXT, block.text, italic=block.kind == "quote")

    def tables(self, table: Table) -> list[str]:
        width = max([len(table.header), *(len(r) for r in table.rows)])
        chunks = [table.rows[i : i + TABLE_ROWS - 1] for i in range(0, len(table.rows), TABLE_ROWS - 1)] or [()]
        made = []
        for rows in chunks:
            grid = [table.header, *rows]
            cells = []
            for row_index, row in enumerate(grid):
                for column in range(width):
                    value = row[column] if column < len(row) else ""
                    inner = self.text(TEXT, value, bold=row_index == 0)
                    cells.append(self.add({"block_type": TABLE_CELL, "table_cell": {}, "children": [inner]}))
            prop = {"row_size": len(grid), "column_size": width, "header_row": True}
            made.append(self.add({"block_type": TABLE, "table": {"property": prop}, "children": cells}))
        return made
