"""The fake Open API's Docs endpoints (docx documents and blocks, drive folders, media and permissions), with
Feishu's request/response shapes and error codes.

Tests seed ``doc_folders`` (folder tokens the app may edit; creating elsewhere answers 1770032 forbidden) and read
``documents``; ``body(document_id)`` gives the page's children as plain tuples. Faults beyond the server's
``fail_next``/``fail_with_code``: ``lose_replies`` (the server acts, the answer is lost — a crash or timeout after
the write) and ``fail_after`` (the next calls whose path contains a fragment succeed ``ok`` times, then fail)."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.feishu_im import ImEndpoints, page, parse_multipart
from tests.fakes.feishu_server import CODE_FIELD_VALIDATION, Call, Reply, error, ok

CODE_DOCX_FORBIDDEN = 1770032  # docx: "forBidden" (no edit right on the folder / document)
CODE_DOCX_NOT_FOUND = 1770002  # docx: document or block not found
CODE_DOCX_INVALID = 1770001  # docx: invalid param
CODE_DRIVE_FORBIDDEN = 1061004  # drive: "forbidden" (no permission on the folder / file)
CODE_DRIVE_NOT_FOUND = 1061003  # drive: not found
CODE_MISSING_SCOPE = 99991672  # the app has not enabled a scope the API needs

PAGE, TEXT, TABLE, TABLE_CELL, IMAGE = 1, 2, 31, 32, 27
_TEXT_FIELDS = {2: "text", 3: "heading1", 4: "heading2", 5: "heading3", 12: "bullet", 13: "ordered", 15: "quote"}
_DOCS = "/open-apis/docx/v1/documents"
MAX_DESCENDANTS = 1000  # blocks per nested write


@dataclass
class _Fault:
    fragment: str
    ok: int  # calls still answered normally
    remaining: int  # then this many fail (or lose their answer)
    lose: bool  # True: act, then answer 500 (the reply is lost)


class DocxEndpoints(ImEndpoints):
    """Docx documents, their blocks, and the drive files, media and permissions of a folder."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__(app_id, app_secret)
        self.doc_folders: set[str] = set()
        self.documents: dict[str, dict[str, Any]] = {}  # id -> {"title", "folder", "blocks": {id: block}, "created"}
        self.doc_media: dict[str, dict[str, Any]] = {}  # file token -> {"parent_type", "parent_node", "extra", "data"}
        self.doc_members: dict[str, list[dict[str, str]]] = {}  # document id -> permission members
        self._doc_tokens: dict[tuple[str, str], Reply] = {}  # (document, client_token) -> the first answer
        self._doc_faults: list[_Fault] = []
        self._routes += [
            ("POST", re.compile(_DOCS), self._create_document),
            ("GET", re.compile(_DOCS + r"/([^/]+)"), self._get_document),
            ("GET", re.compile(_DOCS + r"/([^/]+)/blocks"), self._list_blocks),
            ("GET", re.compile(_DOCS + r"/([^/]+)/blocks/([^/]+)"), self._get_block),
            ("PATCH", re.compile(_DOCS + r"/([^/]+)/blocks/([^/]+)"), self._patch_block),
            ("POST", re.compile(_DOCS + r"/([^/]+)/blocks/([^/]+)/descendant"), self._descendant),
            ("DELETE", re.compile(_DOCS + r"/([^/]+)/blocks/([^/]+)/children/batch_delete"), self._batch_delete),
            ("POST", re.compile(r"/open-apis/drive/v1/medias/upload_all"), self._upload_media),
            ("GET", re.compile(r"/open-apis/drive/v1/files"), self._list_files),
            ("POST", re.compile(r"/open-apis/drive/v1/permissions/([^/]+)/members"), self._add_member),
        ]

    # ----- faults and what tests read --------------------------------------------------------

    def lose_replies(self, n: int, fragment: str, *, after: int = 0) -> None:
        """The next ``n`` calls whose path contains ``fragment`` (after ``after`` normal ones) are carried out,
        but their answer is a 500: the caller cannot know it worked."""
        with self._lock:
            self._doc_faults.append(_Fault(fragment, after, n, lose=True))

    def fail_after(self, ok_calls: int, fragment: str, n: int = 1000) -> None:
        """Calls whose path contains ``fragment`` succeed ``ok_calls`` times, then the next ``n`` fail with 500."""
        with self._lock:
            self._doc_faults.append(_Fault(fragment, ok_calls, n, lose=False))

    def heal_docs(self) -> None:
        with self._lock:
            self._doc_faults.clear()

    def delete_document(self, document_id: str) -> None:
        """Someone deleted the document in Feishu: every call about it now answers 1770002 not found."""
        with self._lock:
            self.documents.pop(document_id)

    def docs_in(self, folder: str) -> list[str]:
        with self._lock:
            return [d for d, doc in self.documents.items() if doc["folder"] == folder]

    def body(self, document_id: str) -> list[tuple]:
        """The page's children, in order: ``("heading1", text)``, ``("text", text)`` …, ``("table", rows)`` with the
        cells' texts, ``("image", token)``."""
        with self._lock:
            blocks = self.documents[document_id]["blocks"]
            return [_plain(blocks, child) for child in blocks[document_id]["children"]]

    def _dispatch(self, call: Call) -> Reply:
        lose = False
        with self._lock:
            for fault in self._doc_faults:
                if fault.fragment in call.path and fault.remaining > 0:
                    if fault.ok > 0:
                        fault.ok -= 1
                        continue
                    fault.remaining -= 1
                    if not fault.lose:
                        return error(500, "injected failure", status=500)
                    lose = True
                    break
        reply = super()._dispatch(call)
        return error(500, "reply lost", status=500) if lose else reply

    # ----- documents -------------------------------------------------------------------------

    def _document(self, document_id: str) -> dict[str, Any] | None:
        return self.documents.get(document_id)

    def _create_document(self, call: Call) -> Reply:
        body = call.json or {}
        folder, title = body.get("folder_token") or "", body.get("title") or ""
        if folder and folder not in self.doc_folders:
            return error(CODE_DOCX_FORBIDDEN, "forBidden")
        document_id = "doxcn" + secrets.token_hex(11)
        page_block = {
            "block_id": document_id,
            "block_type": PAGE,
            "parent_id": "",
            "children": [],
            "page": {"elements": [{"text_run": {"content": title}}], "style": {}},
        }
        with self._lock:
            self.documents[document_id] = {
                "title": title,
                "folder": folder,
                "blocks": {document_id: page_block},
                "created": int(time.time()),
                "revision": 1,
            }
        return ok({"document": {"document_id": document_id, "revision_id": 1, "title": title}})

    def _get_document(self, call: Call, document_id: str) -> Reply:
        doc = self._document(document_id)
        if doc is None:
            return error(CODE_DOCX_NOT_FOUND, "document not found")
        return ok({"document": {"document_id": document_id, "revision_id": doc["revision"], "title": doc["title"]}})

    def _list_blocks(self, call: Call, document_id: str) -> Reply:
        doc = self._document(document_id)
        if doc is None:
            return error(CODE_DOCX_NOT_FOUND, "document not found")
        items, has_more, token = page(list(doc["blocks"].values()), call.query, default_size=500, max_size=500)
        return ok({"items": items, "has_more": has_more, "page_token": token})

    def _get_block(self, call: Call, document_id: str, block_id: str) -> Reply:
        doc = self._document(document_id)
        if doc is None or block_id not in doc["blocks"]:
            return error(CODE_DOCX_NOT_FOUND, "block not found")
        return ok({"block": doc["blocks"][block_id]})

    def _edited(self, doc: dict[str, Any]) -> dict[str, Any]:
        doc["revision"] += 1
        return {"document_revision_id": doc["revision"]}

    def _descendant(self, call: Call, document_id: str, parent_id: str) -> Reply:
        doc = self._document(document_id)
        if doc is None or parent_id not in doc["blocks"]:
            return error(CODE_DOCX_NOT_FOUND, "block not found")
        token = call.query.get("client_token") or ""
        if token and (document_id, token) in self._doc_tokens:
            return self._doc_tokens[(document_id, token)]  # the same write, retried: nothing new
        body = call.json or {}
        top, given = body.get("children_id") or [], body.get("descendants") or []
        by_temp = {b.get("block_id"): b for b in given}
        problem = _invalid(top, by_temp)
        if problem:
            return error(CODE_DOCX_INVALID, f"invalid param: {problem}")
        real = {temp: "doxcn" + secrets.token_hex(11) for temp in by_temp}
        with self._lock:
            for temp, block in by_temp.items():
                made = {**block, "block_id": real[temp], "children": [real[c] for c in block.get("children") or []]}
                made["parent_id"] = real.get(_parent_of(temp, by_temp), parent_id)
                doc["blocks"][real[temp]] = made
            children = doc["blocks"][parent_id]["children"]
            index = body.get("index")
            at = len(children) if index is None or index < 0 or index > len(children) else index
            children[at:at] = [real[t] for t in top]
            data = {
                "children": [doc["blocks"][real[t]] for t in top],
                **self._edited(doc),
                "client_token": token,
                "block_id_relations": [{"temporary_block_id": t, "block_id": real[t]} for t in by_temp],
            }
        reply = ok(data)
        if token:
            self._doc_tokens[(document_id, token)] = reply
        return reply

    def _batch_delete(self, call: Call, document_id: str, parent_id: str) -> Reply:
        doc = self._document(document_id)
        if doc is None or parent_id not in doc["blocks"]:
            return error(CODE_DOCX_NOT_FOUND, "block not found")
        body = call.json or {}
        start, end = body.get("start_index"), body.get("end_index")
        with self._lock:
            children = doc["blocks"][parent_id]["children"]
            if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(children):
                return error(CODE_DOCX_INVALID, "invalid param: start_index/end_index")
            for gone in children[start:end]:
                _drop(doc["blocks"], gone)
            del children[start:end]
            return ok({**self._edited(doc), "client_token": call.query.get("client_token") or ""})

    def _patch_block(self, call: Call, document_id: str, block_id: str) -> Reply:
        doc = self._document(document_id)
        if doc is None or block_id not in doc["blocks"]:
            return error(CODE_DOCX_NOT_FOUND, "block not found")
        replace = (call.json or {}).get("replace_image")
        block = doc["blocks"][block_id]
        if not isinstance(replace, dict) or block["block_type"] != IMAGE:
            return error(CODE_DOCX_INVALID, "invalid param: only replace_image on an image block is served")
        media = self.doc_media.get(replace.get("token") or "")
        if media is None or media["parent_node"] != block_id:
            return error(CODE_DOCX_INVALID, "invalid param: image token not uploaded for this block")
        with self._lock:
            block["image"] = {"token": replace["token"], "width": 800, "height": 400, "align": 2}
            return ok({"block": block, **self._edited(doc), "client_token": ""})

    # ----- drive -----------------------------------------------------------------------------

    def _upload_media(self, call: Call) -> Reply:
        form = parse_multipart(call.headers.get("content-type", ""), call.body)
        if not all(k in form for k in ("file_name", "parent_type", "parent_node", "size", "file")):
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        data = form["file"][1]
        if form["parent_type"][1] != b"docx_image" or int(form["size"][1]) != len(data):
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        extra = json.loads(form["extra"][1]) if "extra" in form else {}
        route = extra.get("drive_route_token", "")
        if route not in self.documents or form["parent_node"][1].decode() not in self.documents[route]["blocks"]:
            return error(CODE_DRIVE_NOT_FOUND, "parent node not found")
        token = "boxcn" + secrets.token_hex(11)
        with self._lock:
            self.doc_media[token] = {
                "parent_type": "docx_image",
                "parent_node": form["parent_node"][1].decode(),
                "extra": extra,
                "name": form["file_name"][1].decode(),
                "data": data,
            }
        return ok({"file_token": token})

    def _list_files(self, call: Call) -> Reply:
        folder = call.query.get("folder_token") or ""
        if folder not in self.doc_folders:
            return error(CODE_DRIVE_FORBIDDEN, "forbidden")
        files = [
            {
                "token": d,
                "name": doc["title"],
                "type": "docx",
                "parent_token": folder,
                "url": f"https://example.feishu.cn/docx/{d}",
                "created_time": str(doc["created"]),
                "modified_time": str(doc["created"]),
                "owner_id": "ou_app_owner",
            }
            for d, doc in list(self.documents.items())
            if doc["folder"] == folder
        ]
        items, has_more, token = page(files, call.query, default_size=100, max_size=200)
        return ok({"files": items, "has_more": has_more, "next_page_token": token})

    def _add_member(self, call: Call, token: str) -> Reply:
        body = call.json or {}
        if call.query.get("type") != "docx" or not body.get("member_type") or not body.get("member_id"):
            return error(CODE_FIELD_VALIDATION, "field validation failed")
        if token not in self.documents:
            return error(CODE_DRIVE_NOT_FOUND, "not found")
        member = {"member_type": body["member_type"], "member_id": body["member_id"], "perm": body.get("perm", "view")}
        with self._lock:
            members = self.doc_members.setdefault(token, [])
            members[:] = [m for m in members if m["member_id"] != member["member_id"]] + [member]
        return ok({"member": member})


def _invalid(top: list[str], by_temp: dict[str, dict[str, Any]]) -> str:
    """Why a descendant write is malformed ("" when it is not)."""
    if not top or any(t not in by_temp for t in top):
        return "children_id must name descendants"
    if len(by_temp) > MAX_DESCENDANTS:
        return f"at most {MAX_DESCENDANTS} descendants per call"
    for temp, block in by_temp.items():
        kids = block.get("children") or []
        if any(k not in by_temp for k in kids):
            return f"{temp}: unknown child"
        kind = block.get("block_type")
        if kind in _TEXT_FIELDS and not (block.get(_TEXT_FIELDS[kind]) or {}).get("elements"):
            return f"{temp}: text without elements"
        if kind == TABLE:
            prop = (block.get("table") or {}).get("property") or {}
            if prop.get("row_size", 0) * prop.get("column_size", 0) != len(kids) or prop.get("row_size", 0) > 9:
                return f"{temp}: table cells do not match row_size x column_size (at most 9 rows)"
        if kind == TABLE_CELL and not kids:
            return f"{temp}: empty table cell"
        if kind not in (*_TEXT_FIELDS, TABLE, TABLE_CELL, IMAGE):
            return f"{temp}: block_type {kind} not served by the fake"
    return ""


def _parent_of(temp: str, by_temp: dict[str, dict[str, Any]]) -> str:
    return next((t for t, b in by_temp.items() if temp in (b.get("children") or [])), "")


def _drop(blocks: dict[str, dict[str, Any]], block_id: str) -> None:
    for child in blocks.get(block_id, {}).get("children") or []:
        _drop(blocks, child)
    blocks.pop(block_id, None)


def _text_of(block: dict[str, Any]) -> str:
    field = _TEXT_FIELDS.get(block["block_type"], "text")
    return "".join(e.get("text_run", {}).get("content", "") for e in (block.get(field) or {}).get("elements", []))


def _plain(blocks: dict[str, dict[str, Any]], block_id: str) -> tuple:
    block = blocks[block_id]
    kind = block["block_type"]
    if kind == TABLE:
        cells = [" ".join(_text_of(blocks[c]) for c in blocks[cell]["children"]) for cell in block["children"]]
        width = block["table"]["property"]["column_size"]
        return ("table", [cells[i : i + width] for i in range(0, len(cells), width)])
    if kind == IMAGE:
        return ("image", (block.get("image") or {}).get("token", ""))
    return (_TEXT_FIELDS.get(kind, str(kind)), _text_of(block))
