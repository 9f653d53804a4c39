"""The retrospective as the team reads it: the six-part report (危机概述 → 全链路数据 → 根源分析 → 应对得失 →
优化策略 → 执行时间表) rendered from the retro JSON (`bot.retro.compute`, the contract's dict) as Markdown and as a
self-contained HTML page with charts.

Logic only: the wording is in `templates/report/` (retro.{md,html}.j2, words.j2), the view in
`bot.retro.report_view`, the recommendations in the playbook folder's `retro/recommendations.yaml`
(`bot.library.recommendations`). Every number comes from the retro dict; nothing is recomputed from the database.
Callers pass the playbook folder's library, lexicon, severity and recommendations, and `now` from their clock.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.wording import environment
from bot.library.lexicon import Lexicon
from bot.library.playbooks import Library
from bot.retro import charts
from bot.retro.report_view import view
from bot.retro.strategies import optimization

__all__ = ["html", "markdown", "optimization"]


def markdown(
    retro: dict,
    *,
    tz: ZoneInfo,
    recommendations: dict,
    library: Library,
    now: datetime,
    names: dict[str, str] | None = None,
    summaries: dict[str, str] | None = None,
) -> str:
    """The report as Markdown: `# title`, then the six sections as `## 危机概述` … `## 执行时间表`.
    `summaries` (section → paragraph) are optional LLM narratives, shown marked as generated."""
    shown = view(retro, tz=tz, recommendations=recommendations, names=names, library=library, now=now)
    shown["summaries"] = summaries or {}
    text = environment().get_template("report/retro.md.j2").render(**shown, cell=_cell)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def html(
    retro: dict,
    *,
    tz: ZoneInfo,
    recommendations: dict,
    library: Library,
    lexicon: Lexicon,
    now: datetime,
    names: dict[str, str] | None = None,
    summaries: dict[str, str] | None = None,
) -> str:
    """The report as one self-contained HTML page (inline CSS, charts as PNG data URIs, no external requests),
    user text escaped. The charts use the folder's lexicon (readings) and severity (level-1 and alert lines)."""
    shown = view(retro, tz=tz, recommendations=recommendations, names=names, library=library, now=now)
    shown["summaries"] = summaries or {}
    titles = {step["id"]: step["title"] for step in shown["steps"]}
    inputs = charts.ChartInputs.of(library, lexicon)
    shown["charts"] = {
        "propagation": _data_uri(charts.propagation_chart(retro, tz=tz, inputs=inputs)),
        "negative": _data_uri(charts.negative_chart(retro, tz=tz, inputs=inputs)),
        "emotions": _data_uri(charts.emotion_chart(retro, tz=tz, inputs=inputs)) if retro.get("comments") else "",
        "gantt": _data_uri(charts.steps_gantt(retro, tz=tz, now=shown["now"], titles=titles)),
    }
    return environment().get_template("report/retro.html.j2").render(**shown)


def _cell(value: object) -> str:
    """A Markdown table cell: one line, pipes kept literal."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
