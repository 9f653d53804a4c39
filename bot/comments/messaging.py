"""What an import says: the summary (format recognised, columns guessed, counts), a refused file's reason, and the
list /导入 shows — data in, text out through templates/comments/, nothing read or written."""

from __future__ import annotations

from bot.comments.flows import Imported, Summary
from bot.comments.problems import ImportRefused
from bot.comments.service import skipped_reasons
from bot.config import Settings
from bot.core.wording import render
from bot.timeline.values import format_value


def count(value: int) -> str:
    """A count as people write it: 1200, 1.2万, 20万."""
    return format_value("comments", value)


def size(value: int) -> str:
    """A file size: 512KB, 62.4MB."""
    if value < 1024 * 1024:
        return f"{max(value // 1024, 1)}KB"
    megabytes = value / 1024 / 1024
    return f"{megabytes:.0f}MB" if megabytes >= 100 or megabytes.is_integer() else f"{megabytes:.1f}MB"


def summary_text(summary: Summary, settings: Settings) -> str:
    return render("comments/summary", s=summary, count=count, settings=settings)


def refused_text(refused: ImportRefused, *, name: str = "", where: str = "chat") -> str:
    """`where`: chat (the next step is a chat command) or cli / api."""
    return render(
        "comments/refused", reason=refused.reason, d=refused.details, name=name, where=where, count=count, size=size
    )


def imported_text(imported: Imported, settings: Settings) -> str:
    return render(
        "comments/imported",
        incident=imported.incident,
        imports=[(record, skipped_reasons(record)) for record in imported.imports],
        totals=imported.totals,
        count=count,
        settings=settings,
    )
