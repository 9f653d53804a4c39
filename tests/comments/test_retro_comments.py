"""The public's side in the retro: a comment set with a known jump after a KOL note (tests/comments/kol_jump.py says
how it was built) imported through `crisisbot import` into a crisis logged in the group gives the import points,
the escalation triggered by the KOL entry, the de-escalation after the bloggers' clarification, the `comments`
object and the report's 情绪曲线 / 评论关键词 / 用户反馈分层."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from bot.sentiment import classify
from tests.comments import kol_jump
from tests.comments.paths import cli_import, summary_of
from tests.support import ROOT, SH, run_cli

KOL = "某KOL转发了首发笔记"
CLARIFY = "3位博主已发布实测澄清"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=SH)


@pytest.fixture
def retro(chat, db_url, tmp_path):
    """The crisis: opened at 08:00, the KOL note at 10:05, the clarification at 12:05, closed at 14:30; the fixture
    imported before the close. (retro JSON, Markdown report)."""
    chat.say("/危机 开启 面霜过敏 开始=08:00", at=at(8))
    chat.say(KOL, at=at(10, 5))
    chat.say(CLARIFY, at=at(12, 5))
    summary = summary_of(cli_import(db_url, kol_jump.FILE, "--chat", chat.chat_id, "--json", cwd=tmp_path))
    assert (summary["read"], summary["imported"]) == (600, 600)
    chat.say("/危机 结束", at=at(14, 30))
    data = run_cli(["retro", "--chat", chat.chat_id, "--format", "json"], tmp_path, DATABASE_URL=db_url)
    report = run_cli(["retro", "--chat", chat.chat_id, "--format", "md"], tmp_path, DATABASE_URL=db_url)
    page = run_cli(["retro", "--chat", chat.chat_id, "--format", "html"], tmp_path, DATABASE_URL=db_url)
    assert data.returncode == report.returncode == page.returncode == 0, data.stderr + report.stderr + page.stderr
    return json.loads(data.stdout), report.stdout, page.stdout


def test_the_fixture_is_the_one_described():
    assert kol_jump.FILE.read_bytes() == kol_jump.csv_bytes()


def test_import_points_one_per_bucket_stamped_at_its_end(retro):
    data, _, _ = retro
    points = [p for p in data["propagation"]["negative_ratio"] if p["source"] == "import"]
    ends = [at(8 + (m + 30) // 60, (m + 30) % 60) for m in range(0, 360, 30)]  # 08:30 … 14:00
    assert [p["at"] for p in points] == [end.isoformat() for end in ends]
    assert [p["value"] for p in points] == [n / 50 for n in kol_jump.NEGATIVE_PER_BUCKET]


def test_the_kol_jump_is_an_escalation_and_the_clarification_a_deescalation(retro):
    data, report, _ = retro
    # No two neighbouring buckets differ by 15 points (24 → 36 → 48 → 60 → 70): the two-hour window finds the jump,
    # from the last 24% before the note (10:00) to the top (12:00), triggered by the note.
    assert data["escalations"] == [
        {
            "at": "2026-11-24T12:00:00+08:00",
            "from": 0.24,
            "to": 0.7,
            "trigger": {"at": "2026-11-24T10:05:00+08:00", "text": KOL},
        }
    ]
    assert data["deescalations"] == [
        {
            "at": "2026-11-24T14:00:00+08:00",
            "from": 0.7,
            "to": 0.3,
            "after": {"at": "2026-11-24T12:05:00+08:00", "text": CLARIFY},
        }
    ]
    gains = {f["code"]: f for f in data["findings"] if f["kind"] == "gain"}
    assert "70%" in gains["negative_deescalation"]["text"] and "30%" in gains["negative_deescalation"]["text"]
    assert CLARIFY in gains["negative_deescalation"]["evidence"]
    escalated = next(line for line in report.splitlines() if "| 24% → 70% |" in line)
    assert "12:00" in escalated and f"10:05 {KOL}" in escalated
    calmed = next(line for line in report.splitlines() if "| 70% → 30% |" in line)
    assert "14:00" in calmed and f"12:05 {CLARIFY}" in calmed
    assert report.index("### 情绪缓和点") < report.index(calmed)


def test_the_comments_object_counts_by_hand(retro):
    data, _, _ = retro
    comments = data["comments"]
    # 12×4 + 18 + 24 + 30 + 35 + 30 + 25 + 20 + 15 = 245 negative of 600
    assert (comments["total"], comments["negative"], comments["negative_share"]) == (600, 245, round(245 / 600, 4))
    assert comments["by_platform"] == {"xhs": {"total": 600, "negative_share": round(245 / 600, 4)}}
    # each negative text 35 times: an emotion's count is 35 × the negative texts naming it, its share of the 245
    named = {}
    for result in classify([text for text, _, _ in kol_jump.NEGATIVE]):
        for code in result.emotions:
            named[code] = named.get(code, 0) + 35
    assert {e["code"]: e["count"] for e in comments["emotions"]} == named
    assert all(e["share"] == round(e["count"] / 245, 4) for e in comments["emotions"])
    words = {k["word"]: k["count"] for k in comments["keywords"]}
    assert words["过敏"] == 70 and words["退款"] == 70 and words["检测报告"] == 70  # two negative texts each
    # core: 2 negative texts (70) + 老粉表示… (51); potential: 1 (35) + 想买… (51); unknown: 4 (140) + 253
    assert comments["segments"] == [
        {"segment": "core", "count": 121, "negative_share": round(70 / 121, 4), "top_demands": ["退款", "道歉"]},
        {"segment": "potential", "count": 86, "negative_share": round(35 / 86, 4), "top_demands": ["检测报告"]},
        {
            "segment": "unknown",
            "count": 393,
            "negative_share": round(140 / 393, 4),
            "top_demands": ["退款", "赔偿", "检测报告"],
        },
    ]
    losses = {f["code"]: f for f in data["findings"] if f["kind"] == "loss"}
    assert "核心用户" in losses["segment_demands_unresolved"]["text"]
    assert "“退款”、“道歉”" in losses["segment_demands_unresolved"]["text"]
    assert "至今还没有对外回应" in losses["segment_demands_unresolved"]["text"]  # the team made no statement
    schema = json.loads((ROOT / "schemas" / "retro.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(data)


def test_the_report_shows_the_public_side(retro):
    _, report, page = retro
    for heading in ("情绪曲线", "评论关键词", "用户反馈分层"):
        assert f"### {heading}" in report and f"<h3>{heading}</h3>" in page
    assert report.index("## 全链路数据") < report.index("### 情绪曲线") < report.index("## 根源分析")
    assert "<td>核心用户</td><td>121</td><td>57.9%</td><td>退款、道歉</td>" in page
    assert "| 核心用户 | 121 | 57.9% | 退款、道歉 |" in report
    assert "24% → 70%" in report and KOL in report


def _chart_pixels(page: str, alt_start: str):
    """The RGB pixels of the page's chart whose alt text starts with `alt_start`."""
    import base64
    import io
    import re

    from matplotlib.image import imread

    match = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="' + alt_start, page)
    assert match, f"no chart {alt_start} on the page"
    return imread(io.BytesIO(base64.b64decode(match.group(1))), format="png")[:, :, :3]


def _has_color(pixels, hex_color: str) -> bool:
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return bool((abs(pixels - rgb).max(axis=2) < 0.02).any())


def test_the_report_draws_the_emotion_curve_of_the_emotions_present(retro):
    from bot.retro.charts.emotions import EMOTION_COLORS

    data, _, page = retro
    pixels = _chart_pixels(page, "情绪曲线")
    assert pixels.shape[1] > 800 and pixels.shape[0] > 400  # a drawn chart, not the small 暂无数据 image
    present = {code for b in data["comments"]["buckets"] for code, share in b["emotions"].items() if share}
    assert present and present != set(EMOTION_COLORS)  # the fixture names some emotions, not all
    for code, color in EMOTION_COLORS.items():
        assert _has_color(pixels, color) == (code in present), code
    assert page.index("<h3>情绪曲线</h3>") < page.index('alt="情绪曲线') < page.index("<h3>评论关键词</h3>")
