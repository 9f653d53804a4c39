"""MediaCrawler's Xiaohongshu comment export (the older schema: `user_id` and `ip_location`, times in milliseconds)
as the benches write it: the column list and a CSV writer, shared by bench/import.py and bench/retro.py."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FIELDS = [
    "comment_id", "create_time", "ip_location", "note_id", "content", "user_id", "nickname", "avatar",
    "sub_comment_count", "pictures", "parent_comment_id", "last_modify_ts", "like_count",
]  # fmt: skip
NOTE_ID = "6740ffe0000000000b01"


def xhs_row(
    *, comment_id: str, at_ms: int, text: str, user: int, likes: int, modified_ms: int, parent: str = "0"
) -> list[str]:
    """One comment as the export's row (FIELDS order)."""
    return [
        comment_id, str(at_ms), "上海", NOTE_ID, text, f"u{user:08d}", f"小红薯{user}", "", "0", "", parent,
        str(modified_ms), str(likes),
    ]  # fmt: skip


def xhs_csv(rows: Iterable[list[str]]) -> str:
    """The export's text: the header, then `rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(rows)
    return buffer.getvalue()
