"""The quarterly review as the group sees it: a card (incidents, KPI verdicts, action items by owner) and the
full review as a Markdown file. Data from `bot.review.compute`, wording in templates."""

from __future__ import annotations

from datetime import datetime

from bot.clock.quarters import Quarter
from bot.core.messages import Card, Markdown, Outbound
from bot.core.wording import environment, say

VERDICTS = {"improved": "✅ 改善", "worse": "⚠️ 变差", "unchanged": "➖ 持平", "no_data": "无数据"}
VERDICT_COLORS = {"improved": "green", "worse": "red"}


def value_text(kpi: dict, value: float | None) -> str:
    if value is None:
        return "—"
    if kpi["unit"] == "ratio":
        return f"{round(value * 100, 1):g}%"
    return f"{value:g} 分钟"


def _context(data: dict, *, late: bool = False) -> dict:
    quarter = Quarter.parse(data["quarter"])
    return {
        "data": data,
        "quarter": quarter,
        "verdicts": VERDICTS,
        "value_text": value_text,
        "late": late,
        "day": lambda iso: datetime.fromisoformat(iso).strftime("%m-%d %H:%M") if iso else "—",
    }


def markdown(data: dict) -> str:
    return environment().get_template("report/review.md.j2").render(**_context(data)).strip() + "\n"


def outputs(data: dict, *, chat_id: str, late: bool = False) -> list[Outbound]:
    """The review card and the Markdown file for a group."""
    context = _context(data, late=late)
    body = Markdown(environment().get_template("cards/review.j2").render(**context).strip())
    verdicts = {kpi["verdict"] for kpi in data["kpis"]}
    color = "red" if "worse" in verdicts else "green" if "improved" in verdicts else "blue"
    card = Card(title=say("review_title", quarter=context["quarter"], late=late), blocks=(body,), color=color)
    file_name = f"季度复盘-{data['quarter']}.md"
    return [
        Outbound(chat_id=chat_id, kind="card", card=card),
        Outbound(chat_id=chat_id, kind="file", file_name=file_name, content=markdown(data).encode("utf-8")),
    ]
