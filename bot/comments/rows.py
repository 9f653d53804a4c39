"""One table row → one comment's fields, or why the row is unusable. Times are event times: epoch seconds or
milliseconds, ISO or Chinese dates (local time in BOT_TIMEZONE when no offset is given), spreadsheet dates;
counts as people write them (1.2万)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.comments.columns import ColumnBook, Layout
from bot.comments.readers import Cell
from bot.timeline.values import ValueProblem, parse_value

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a time before this is a misread number, not a comment's time
YES = {"是", "粉丝", "y", "yes", "true", "1", "√", "✓", "已关注", "关注"}
NO = {"否", "非粉丝", "n", "no", "false", "0", "×", "未关注", "", "-"}
SUMMARY_WORDS = ("合计", "总计", "汇总", "共计", "统计", "共", "total", "sum")
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*(.*)")


@dataclass(frozen=True, slots=True)
class Parsed:
    """A usable row, ready to store."""

    platform: str
    comment_id: str
    parent_id: str
    author: str
    author_id: str
    text: str
    created_at: datetime
    likes: int
    is_fan: bool | None
    fans: int | None

    @property
    def content_key(self) -> str:
        """Author + text + time: the same comment exported twice without an id."""
        who = self.author or self.author_id
        raw = f"{who}\x1f{self.text}\x1f{int(self.created_at.timestamp())}"
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    @property
    def id_key(self) -> str:
        """Platform + comment id ("" when the row has no id)."""
        return f"{self.platform}:{self.comment_id}" if self.comment_id else ""


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def event_time(cell: Cell, tz: ZoneInfo) -> datetime | None:
    """When a comment was posted; None when the cell says no time we can read."""
    if isinstance(cell, datetime):
        at = cell if cell.tzinfo else cell.replace(tzinfo=tz)
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        at = _epoch(float(cell))
    else:
        raw = _text(cell)
        if not raw:
            return None
        at = _epoch(float(raw)) if raw.replace(".", "", 1).isdigit() else _date_text(raw, tz)
    if at is None or at < EARLIEST:
        return None
    return at.astimezone(UTC)


def _epoch(number: float) -> datetime | None:
    """Seconds or milliseconds since the epoch (a comment's time in ms is above 10^11 since 1973)."""
    seconds = number / 1000 if number > 1e11 else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _date_text(raw: str, tz: ZoneInfo) -> datetime | None:
    text = raw.replace("/", "-").replace(".", "-") if re.match(r"\d{4}[/.]", raw) else raw
    found = _CHINESE_DATE.match(text)
    if found:
        year, month, day, rest = found.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d} {rest.strip()}".strip()
    text = re.sub(r"^(\d{4})-(\d{1,2})-(\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    text = re.sub(r" (\d):", r" 0\1:", text)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def count(cell: Cell) -> int:
    """A count as exported or typed (123, 1,234, 1.2万, 3k); 0 when there is none."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return max(int(cell), 0)
    raw = _text(cell)
    if raw.isdigit():
        return int(raw)
    if not raw:
        return 0
    try:
        return int(parse_value(raw.lower().replace("k", "千")))
    except (ValueProblem, ValueError, OverflowError):
        return 0


def fan_status(cell: Cell) -> tuple[bool | None, int | None]:
    """(whether the author follows the brand, their follower count) from a 粉丝 column: 是/否 or a count."""
    raw = _text(cell)
    said = raw.lower()
    if said in YES and said not in ("1", "0"):
        return True, None
    if said in NO and said not in ("0",):
        return (False, None) if said else (None, None)
    if said in ("1", "0") and not isinstance(cell, (int, float)):
        return said == "1", None
    number = count(cell)
    return (None, number) if raw and (number or said == "0") else (None, None)


def parse_row(cells: list[Cell], layout: Layout, book: ColumnBook, *, platform: str, tz: ZoneInfo) -> Parsed | str:
    """The comment in a row, or why it is unusable: "no_text" or "bad_time"."""
    cols = layout.columns

    def cell(field: str) -> Cell:
        i = cols.get(field)
        return cells[i] if i is not None and i < len(cells) else None

    text = _text(cell("text"))
    if not text:
        return "no_text"
    at = event_time(cell("created_at"), tz)
    if at is None:
        return "bad_time"
    row_platform = book.platform_of(cell("platform")) if "platform" in cols else ""
    parent = _text(cell("parent_id"))
    is_fan, fans = fan_status(cell("fans")) if "fans" in cols else (None, None)
    return Parsed(
        platform=row_platform or layout.platform or platform,
        comment_id=_text(cell("comment_id"))[:64],
        parent_id="" if parent in ("0", "-1", "None", "null") else parent[:64],
        author=_text(cell("author"))[:128],
        author_id=_text(cell("author_id"))[:128],
        text=text,
        created_at=at,
        likes=count(cell("likes")),
        is_fan=is_fan,
        fans=fans,
    )


def looks_like_summary(cells: list[Cell]) -> bool:
    """A trailing 合计/共N条 row, or one with at most two cells filled out of many."""
    filled = [_text(c) for c in cells if _text(c)]
    if not filled:
        return True
    return (len(filled) <= 2 and len(filled) * 2 < len(cells)) or filled[0].lower().startswith(SUMMARY_WORDS)
