"""The Markdown report from a retro dict: the six sections in order, the computed numbers in local time, tables
that keep their shape, an interim review of an open incident, an empty incident, mentions as names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.retro.report_support import (
    AFTER_CLOSE,
    NAMES,
    SECTIONS,
    empty_retro,
    html,
    markdown,
    positions,
    sample,
)
from tests.support import SH

# --- Markdown -----------------------------------------------------------------------------------------------------


def test_markdown_has_the_six_sections_in_order(recommendations):
    text = markdown(sample(), tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    headings = [f"## {name}\n" for name in SECTIONS]
    found = positions(text, headings)
    assert found == sorted(found)
    assert all(text.count(h) == 1 for h in headings)
    assert re.findall(r"^## (.+)$", text, flags=re.MULTILINE) == SECTIONS
    assert text.startswith("# 危机复盘报告：面霜瑕疵被博主晒图\n")


def test_markdown_shows_the_computed_numbers_in_local_time(recommendations):
    text = markdown(sample(), tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)
    for expected in (
        "55分钟",  # durations as people write them, never "270 分钟"
        "4小时30分钟",
        "65%",
        "620万",
        "4/8",
        "一级危机",
        "二级危机 → 一级危机",
        "话题阅读 620万 超过 500万",
        "11月24日 09:10",
        "11月24日 18:00",
        "8小时50分钟",
        "30% → 65%",
        "某美妆KOL转发了首发笔记",
        "2027年1月1日 10:00",
        "王运营",
        "时限4小时",
    ):
        assert expected in text, expected
    overview = text[text.index("## 危机概述") : text.index("## 全链路数据")]
    assert "620万" in overview and "65%" in overview and "11月24日 11:30" in overview
    # shown in the display zone, whatever offset the document carries
    shifted = markdown(sample(), tz=UTC, recommendations=recommendations, now=AFTER_CLOSE)
    assert "11月24日 01:10" in shifted


def test_markdown_tables_keep_their_shape_with_pipes_and_newlines(recommendations):
    doc = sample()
    doc["timeline"][2]["text"] = "第一行 | 竖线\n第二行"
    text = markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "第一行 \\| 竖线 第二行" in text


# --- other content ------------------------------------------------------------------------------------------------


def test_missing_root_causes_say_how_to_record_them(recommendations):
    doc = sample()
    doc["root_causes"] = {"surface": [], "deep": []}
    for render in (markdown, html):
        text = render(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
        section = text[text.index("根源分析") : text.index("应对得失")]
        assert "根因还未记录" in section
        assert "/根因 表层" in section and "/根因 深层" in section
    doc["root_causes"]["surface"] = ["博主晒图"]
    text = markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "博主晒图" in text and "用 `/根因 深层 <问题>` 补充" in text


def test_an_open_incident_is_an_interim_review(recommendations):
    doc = sample()
    doc["incident"]["closed_at"] = None
    now = datetime(2026, 11, 24, 12, 0, tzinfo=SH)
    text = markdown(doc, tz=SH, recommendations=recommendations, now=now)
    assert "进行中（中期复盘，截至 11月24日 12:00）" in text
    assert "持续：2小时50分钟" in text


def test_an_empty_incident_renders_without_data(recommendations):
    for render in (markdown, html):
        text = render(empty_retro(), tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
        assert positions(text, SECTIONS) == sorted(positions(text, SECTIONS))
        assert "暂无数据" in text and "根因还未记录" in text
        assert "没有对外回应" in text


def test_mention_markers_in_user_text_become_names(recommendations):
    from bot.core.mentions import mention

    doc = sample()
    doc["timeline"][2]["text"] = f"请 {mention('ou_qa')} 跟进批次"
    text = markdown(doc, tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)
    assert "请 @赵质检 跟进批次" in text and "\ue000" not in text
