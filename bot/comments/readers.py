"""Reading a comment file into a table (headers + rows of cells), whatever its family: CSV, XLSX, JSON array,
JSONL. Guards come first: the size cap, an XLSX's declared uncompressed size (zip bombs), the encoding (UTF-8
with or without BOM, GBK/GB18030) and the field size limit."""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.comments.problems import ImportRefused

MAX_FIELD_CHARS = 100_000  # one cell; a comment is far shorter, a 10 MB field is a broken or hostile file
XLSX_EXPANSION = 20  # an XLSX may unpack to this many times the size cap, no more
FAMILIES = ("csv", "xlsx", "json", "jsonl")

Cell = str | int | float | datetime | None


@dataclass
class Table:
    family: str  # csv | xlsx | json | jsonl
    headers: list[str]
    rows: Iterable[list[Cell]]  # cells in header order, read lazily; blank rows already dropped


def family_of(name: str, data: bytes, content_type: str = "") -> str:
    """The file family from its name, else the content type, else a look at the first bytes."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in FAMILIES:
        return suffix
    if suffix == "txt" or suffix == "tsv":
        return "csv"
    kind = content_type.split(";")[0].strip().lower()
    by_type = {
        "text/csv": "csv",
        "application/json": "json",
        "application/x-ndjson": "jsonl",
        "application/jsonl": "jsonl",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    }
    if kind in by_type:
        return by_type[kind]
    if data[:2] == b"PK":
        return "xlsx"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        return "jsonl"
    if suffix:
        raise ImportRefused("unknown_type", suffix=suffix)
    return "csv"


def read_table(data: bytes, *, name: str, max_bytes: int, content_type: str = "") -> Table:
    if len(data) > max_bytes:
        raise ImportRefused("too_large", size=len(data), limit=max_bytes)
    family = family_of(name, data, content_type)
    if family == "xlsx":
        return _xlsx(data, max_bytes)
    text = decode(data)
    if family == "csv":
        return _csv(text)
    return _records(_json_records(text) if family == "json" else _jsonl_records(text), family)


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 (a superset of GBK); anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportRefused("encoding")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportRefused("encoding") from None
    odd = sum(1 for ch in text[:20_000] if _implausible(ch))
    if odd > max(3, len(text[:20_000]) // 100):
        raise ImportRefused("encoding")
    return text


def _implausible(ch: str) -> bool:
    """A character text decoded with the wrong codec is full of: controls, private use, rare CJK extensions."""
    code = ord(ch)
    if code < 32:
        return ch not in "\t\r\n"
    return 0xE000 <= code <= 0xF8FF or 0x3400 <= code <= 0x4DBF or code >= 0x20000 or 0x80 <= code < 0xA0


def _check_field(value: str, row: int) -> None:
    if len(value) > MAX_FIELD_CHARS:
        raise ImportRefused("huge_field", row=row, chars=len(value), limit=MAX_FIELD_CHARS)


def _blank(cells: list[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _csv(text: str) -> Table:
    sample = text[:8192]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = _csv_rows(text, delimiter)
    headers = next(rows, None)
    if headers is None:
        raise ImportRefused("empty")
    return Table("csv", [str(h).strip() for h in headers], rows)


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Cell]]:
    """The non-blank rows, the header first, under the field size limit."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        for row in reader:
            if not _blank(row):
                yield row
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportRefused("huge_field", row=reader.line_num, limit=MAX_FIELD_CHARS) from None
        raise ImportRefused("unknown_type", suffix="csv") from None
    finally:
        csv.field_size_limit(previous)


def _json_records(text: str) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportRefused("bad_json", problem=str(exc)) from None
    if isinstance(data, dict):  # {"comments": [...]} or {"data": [...]}: the one list inside
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list):
        raise ImportRefused("bad_json", problem="not a list")
    for item in data:
        yield item if isinstance(item, dict) else {}


def _jsonl_records(text: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            if number == 1:
                raise ImportRefused("bad_json", problem=f"line {number}") from None
            item = {}  # a broken line is a broken row
        yield item if isinstance(item, dict) else {}


def _records(records: Iterator[dict[str, Any]], family: str) -> Table:
    """Records as rows; the headers are the keys of the first thousand records, in order of appearance."""
    head = list(itertools.islice(records, 1000))
    headers = list(dict.fromkeys(key for record in head for key in record))
    if not headers:
        raise ImportRefused("empty")
    return Table(family, headers, _record_rows(itertools.chain(head, records), headers))


def _record_rows(records: Iterable[dict[str, Any]], headers: list[str]) -> Iterator[list[Cell]]:
    for number, record in enumerate(records, 1):
        cells = [_json_cell(record.get(key)) for key in headers]
        for cell in cells:
            if isinstance(cell, str):
                _check_field(cell, number)
        if not record or not _blank(cells):
            yield cells  # a line that was not an object is a broken row


def _json_cell(value: Any) -> Cell:
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    return json.dumps(value, ensure_ascii=False)


def _xlsx(data: bytes, max_bytes: int) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ImportRefused("not_xlsx") from None
    if declared > max_bytes * XLSX_EXPANSION:
        raise ImportRefused("zip_bomb", declared=declared, limit=max_bytes * XLSX_EXPANSION)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRefused("not_xlsx", problem=f"{type(exc).__name__}: {exc}") from None
    try:
        sheet = book.worksheets[0]
        headers: list[str] | None = None
        rows: list[list[Cell]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            cells = list(values)
            if _blank(cells):
                continue
            for cell in cells:
                if isinstance(cell, str):
                    _check_field(cell, number)
            if headers is None:
                headers = ["" if c is None else str(c).strip() for c in cells]
                continue
            rows.append(cells[: len(headers)] + [None] * (len(headers) - len(cells)))
    finally:
        book.close()
    if headers is None:
        raise ImportRefused("empty")
    return Table("xlsx", headers, rows)
