"""The six-part report rendered from a retro dict (tests/fixtures/retro_sample.json: the seed's scenario, written by
hand to the contract): Markdown and HTML carry the six sections in order with the computed numbers, every loss gets
concrete recommendations, charts are real PNGs with Chinese glyphs, and the page renders in headless Chromium."""

from __future__ import annotations

import copy
import html as html_lib
import json
import logging
import re
import shutil
import struct
import warnings
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.retro import charts
from bot.retro import render as report
from tests.support import FIXTURES

SH = ZoneInfo("Asia/Shanghai")
SAMPLE = json.loads((FIXTURES / "retro_sample.json").read_text("utf-8"))
SECTIONS = ["危机概述", "全链路数据", "根源分析", "应对得失", "优化策略", "执行时间表"]
NAMES = {"ou_ceo": "周总", "ou_ops": "王运营", "ou_mkt": "李市场", "ou_cs": "陈客服", "ou_qa": "赵质检"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
AFTER_CLOSE = datetime(2026, 11, 25, 9, 0, tzinfo=SH)


def sample() -> dict:
    return copy.deepcopy(SAMPLE)


def empty_retro(**incident) -> dict:
    """An incident just opened: nothing recorded yet."""
    return {
        "incident": {
            "id": 7,
            "chat_id": "oc_x",
            "title": "刚开的事件",
            "playbook": "service_lag",
            "level": 2,
            "started_at": "2026-11-24T09:10:00+08:00",
            "opened_at": "2026-11-24T09:12:00+08:00",
            "closed_at": None,
            **incident,
        },
        "kpis": {
            "first_response_minutes": None,
            "formal_statement_minutes": None,
            "statement_has_remedy": False,
            "peak_negative_ratio": None,
            "peak_topic_reads": None,
            "steps_met": 0,
            "steps_total": 0,
        },
        "propagation": {"milestones": [], "platforms": [], "negative_ratio": []},
        "escalations": [],
        "level_changes": [],
        "steps": [],
        "root_causes": {"surface": [], "deep": []},
        "findings": [],
        "actions": [],
        "next_review_at": "2027-01-01T10:00:00+08:00",
        "timeline": [],
    }


def positions(text: str, needles: list[str]) -> list[int]:
    return [text.index(needle) for needle in needles]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def losses(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["kind"] == "loss"]


@pytest.fixture(scope="module")
def recommendations() -> dict:
    return report.load_recommendations(report.BUNDLED_PLAYBOOKS)


@pytest.fixture(scope="module")
def page_html(recommendations) -> str:
    return report.html(sample(), tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)


# --- Markdown -----------------------------------------------------------------------------------------------------


def test_markdown_has_the_six_sections_in_order(recommendations):
    text = report.markdown(sample(), tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    headings = [f"## {name}\n" for name in SECTIONS]
    found = positions(text, headings)
    assert found == sorted(found)
    assert all(text.count(h) == 1 for h in headings)
    assert re.findall(r"^## (.+)$", text, flags=re.MULTILINE) == SECTIONS
    assert text.startswith("# 危机复盘报告：面霜瑕疵被博主晒图\n")


def test_markdown_shows_the_computed_numbers_in_local_time(recommendations):
    text = report.markdown(sample(), tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)
    for expected in (
        "55 分钟",
        "270 分钟",
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
        "时限 240 分钟",
    ):
        assert expected in text, expected
    overview = text[text.index("## 危机概述") : text.index("## 全链路数据")]
    assert "620万" in overview and "65%" in overview and "11月24日 11:30" in overview
    # shown in the display zone, whatever offset the document carries
    shifted = report.markdown(sample(), tz=ZoneInfo("UTC"), recommendations=recommendations, now=AFTER_CLOSE)
    assert "11月24日 01:10" in shifted


def test_markdown_tables_keep_their_shape_with_pipes_and_newlines(recommendations):
    doc = sample()
    doc["timeline"][2]["text"] = "第一行 | 竖线\n第二行"
    text = report.markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "第一行 \\| 竖线 第二行" in text


# --- recommendations ------------------------------------------------------------------------------------------------


def test_every_loss_gets_concrete_recommendations_from_the_method(recommendations):
    doc = sample()
    items = report.optimization(doc, recommendations)
    md = report.markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    page = report.html(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    strategies_md = md[md.index("## 优化策略") : md.index("## 执行时间表")]
    strategies_html = page[page.index(">优化策略</h2>") : page.index(">执行时间表</h2>")]
    for loss in losses(doc):
        answering = [item for item in items if loss in item["because"]]
        assert answering, f"no recommendation for {loss['code']}: {loss['evidence']}"
        for item in answering:
            assert item["title"] in strategies_md and html_lib.escape(item["title"]) in strategies_html
            assert item["text"] in strategies_md
    by_id = {item["id"]: item for item in items}
    # the step each step_missed names picks the recommendation
    assert [f["evidence"].split("：")[0] for f in by_id["statement_prep"]["because"]] == ["formal_statement"]
    assert "4 小时内" in by_id["statement_prep"]["text"] + by_id["tiered_response"]["text"]
    assert by_id["sincere_wording"]["because"][0]["code"] == "statement_boilerplate"
    # the seed's concrete wording is there
    for phrase in (
        "负面评论占比>20%",
        "话题阅读量>500万",
        "1 小时内发布初步回应",
        "每月组织 1 次",
        "运营+市场+客服+质检",
        "口语化、共情式",
        "每季度复盘",
    ):
        assert phrase in strategies_md, phrase


def test_standing_recommendations_appear_in_every_report(recommendations):
    items = report.optimization(empty_retro(), recommendations)
    standing = [item["id"] for item in items if item["standing"]]
    assert standing == ["negative_alert", "monthly_drill", "emergency_team", "quarterly_review", "annual_plan"]
    text = report.markdown(empty_retro(), tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "每月危机模拟演练" in text and "应急小组职责" in text


def test_team_actions_join_the_recommendation_they_take_up(recommendations):
    doc = sample()
    items = report.optimization(doc, recommendations)
    attached = {a["text"]: item["id"] for item in items for a in item["actions"]}
    assert attached == {
        "恢复灌装封口工序5%抽检，新增出厂前密封性测试": "qa_evidence",
        "小红书店铺首页上线“质量反馈入口”，24小时内响应": "feedback_entrance",
        "按产品瑕疵、竞品抹黑等四类场景各备一份声明模板，补偿权限提前由CEO授权": "statement_prep",
        "12月组织第一次小红书危机模拟演练（产品瑕疵场景）": "monthly_drill",
    }
    doc["actions"].append({"text": "给老粉丝寄手写道歉信", "owners": ["ou_mkt"], "due": "2026-12-02", "status": "open"})
    loose = report.optimization(doc, recommendations)[-1]
    assert (loose["id"], loose["source"], loose["title"]) == (None, "action", "给老粉丝寄手写道歉信")


def test_unknown_loss_codes_and_steps_fall_back(recommendations):
    doc = empty_retro()
    doc["findings"] = [
        {"kind": "loss", "code": "something_new", "text": "新的失分", "evidence": "—"},
        {
            "kind": "loss",
            "code": "step_missed",
            "text": "“某个新步骤”没有在时限内完成",
            "evidence": "new_step：截止 10:10，未完成",
        },
    ]
    items = report.optimization(doc, recommendations)
    answered = {f["code"]: sorted(i["id"] for i in items if f in i["because"]) for f in doc["findings"]}
    assert answered == {
        "something_new": sorted(recommendations["default"]),
        "step_missed": sorted(recommendations["losses"]["step_missed"]),
    }


def test_execution_timetable_lists_owners_due_dates_and_the_quarterly_review(recommendations):
    text = report.markdown(sample(), tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)
    table = text[text.index("## 执行时间表") :]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert (
        "| 12月5日 | 恢复灌装封口工序5%抽检，新增出厂前密封性测试（对应：质检检测报告时限） | 赵质检 | 待完成 |"
    ) in rows
    assert (
        "| 12月10日 | 小红书店铺首页上线“质量反馈入口”，24小时内响应（对应：店铺首页质量反馈入口） "
        "| 陈客服、王运营 | 待完成 |"
    ) in rows
    assert rows[-1].startswith("| 2027年1月1日 10:00 | 季度复盘")
    # unclaimed recommendations get a suggested role and date counted from the close (11月24日)
    assert "| 12月1日 | 分级响应时限 | 建议：负责人（待认领） | 待认领 |" in rows
    assert "下次季度复盘：**2027年1月1日 10:00**" in table


def test_bundled_recommendations_are_valid_and_reference_known_steps(recommendations):
    from bot.library.playbooks import load as load_playbooks

    library = load_playbooks(report.BUNDLED_PLAYBOOKS)
    step_ids = {step.id for playbook in library.playbooks.values() for step in playbook.steps}
    assert set(recommendations["steps"]) <= step_ids
    assert {
        "first_response_late",
        "statement_no_remedy",
        "statement_boilerplate",
        "kol_clarify_effect",
        "step_missed",
    } <= set(recommendations["losses"])


def write_recommendations(folder: Path, text: str) -> Path:
    path = folder / report.RECOMMENDATIONS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ITEM = (
    "    area: 流程优化\n    title: 分级响应\n    text: 一级危机由 CEO 牵头，1 小时内发布初步回应。\n"
    "    within_days: 7\n"
)


def test_a_broken_recommendations_file_names_its_path_and_field(tmp_path):
    path = write_recommendations(tmp_path, f"version: 1\nrecommendations:\n  tiered:\n{GOOD_ITEM}    role: boss\n")
    with pytest.raises(report.RecommendationsError) as caught:
        report.load_recommendations(tmp_path)
    assert f"{path}: recommendations.tiered.role: unknown role 'boss'" in str(caught.value)

    write_recommendations(
        tmp_path,
        f"recommendations:\n  tiered:\n{GOOD_ITEM}    role: lead\n    colour: red\n"
        "losses:\n  step_missed: [tiered, drills]\n",
    )
    with pytest.raises(report.RecommendationsError) as caught:
        report.load_recommendations(tmp_path)
    assert "recommendations.tiered.colour: unknown field" in str(caught.value)

    write_recommendations(
        tmp_path, f"recommendations:\n  tiered:\n{GOOD_ITEM}    role: lead\nlosses:\n  step_missed: [tiered, drills]\n"
    )
    with pytest.raises(report.RecommendationsError) as caught:
        report.load_recommendations(tmp_path)
    assert f"{path}: losses.step_missed[1]: unknown recommendation 'drills'" in str(caught.value)

    write_recommendations(tmp_path, "recommendations: [unclosed\n")
    with pytest.raises(report.RecommendationsError, match=r"recommendations\.yaml: line 2, column 1: YAML syntax"):
        report.load_recommendations(tmp_path)


def test_a_playbook_folder_without_recommendations_uses_the_bundled_ones(tmp_path, recommendations):
    assert report.load_recommendations(tmp_path) == recommendations


def test_a_custom_recommendations_file_is_used(tmp_path):
    write_recommendations(
        tmp_path,
        f"recommendations:\n  tiered:\n{GOOD_ITEM}    role: lead\n"
        "losses:\n  step_missed: [tiered]\nstanding: [tiered]\n",
    )
    custom = report.load_recommendations(tmp_path)
    items = report.optimization(sample(), custom)
    assert [item["id"] for item in items if item["id"]] == ["tiered"]
    assert "1 小时内发布初步回应" in report.markdown(sample(), tz=SH, recommendations=custom, now=AFTER_CLOSE)


# --- other content ------------------------------------------------------------------------------------------------


def test_missing_root_causes_say_how_to_record_them(recommendations):
    doc = sample()
    doc["root_causes"] = {"surface": [], "deep": []}
    for render in (report.markdown, report.html):
        text = render(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
        section = text[text.index("根源分析") : text.index("应对得失")]
        assert "根因还未记录" in section
        assert "/根因 表层" in section and "/根因 深层" in section
    doc["root_causes"]["surface"] = ["博主晒图"]
    text = report.markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "博主晒图" in text and "用 `/根因 深层 <问题>` 补充" in text


def test_an_open_incident_is_an_interim_review(recommendations):
    doc = sample()
    doc["incident"]["closed_at"] = None
    now = datetime(2026, 11, 24, 12, 0, tzinfo=SH)
    text = report.markdown(doc, tz=SH, recommendations=recommendations, now=now)
    assert "进行中（中期复盘，截至 11月24日 12:00）" in text
    assert "持续：2小时50分钟" in text


def test_an_empty_incident_renders_without_data(recommendations):
    for render in (report.markdown, report.html):
        text = render(empty_retro(), tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
        assert positions(text, SECTIONS) == sorted(positions(text, SECTIONS))
        assert "暂无数据" in text and "根因还未记录" in text
        assert "没有对外回应" in text


def test_mention_markers_in_user_text_become_names(recommendations):
    from bot.core.mentions import mention

    doc = sample()
    doc["timeline"][2]["text"] = f"请 {mention('ou_qa')} 跟进批次"
    text = report.markdown(doc, tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)
    assert "请 @赵质检 跟进批次" in text and "\ue000" not in text


# --- HTML -----------------------------------------------------------------------------------------------------------


def test_html_has_the_six_h2_in_order_and_the_numbers(page_html):
    assert [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", page_html)] == [
        f"{no}{name}" for no, name in zip("一二三四五六", SECTIONS, strict=True)
    ]
    for expected in ("55 分钟", "270 分钟", "65%", "620万", "4/8", "2027年1月1日 10:00"):
        assert expected in page_html, expected
    assert '"Noto Sans CJK SC"' in page_html


def test_html_is_self_contained(page_html):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page_html)
    assert "@import" not in page_html and "url(" not in page_html
    images = re.findall(r'<img src="([^"]+)"', page_html)
    assert len(images) == 3 and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<script" not in page_html
    assert "default-src 'none'" in page_html


def test_html_escapes_user_text(recommendations):
    doc = sample()
    doc["incident"]["title"] = "<script>alert(1)</script>面霜"
    doc["timeline"][2]["text"] = '<img src=x onerror="alert(2)">晒图'
    doc["root_causes"]["deep"] = ["质检 & 客服 <b>漏洞</b>"]
    page = report.html(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "<script>" not in page and "<img src=x" not in page and "<b>漏洞" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;面霜" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;晒图" in page
    assert "质检 &amp; 客服 &lt;b&gt;漏洞&lt;/b&gt;" in page
    # Markdown keeps user text as written
    text = report.markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "# 危机复盘报告：<script>alert(1)</script>面霜" in text


# --- charts ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("draw", [charts.propagation_chart, charts.negative_chart, charts.steps_gantt])
def test_charts_are_real_pngs(draw):
    data = draw(sample())
    width, height = png_size(data)
    assert width >= 1000 and height >= 400
    assert len(data) > 30_000  # lines, labels and markers, not a blank canvas


def test_the_propagation_curve_reads_the_timeline_readings():
    series = charts.count_series(sample())
    assert [value for _at, value in series[("topic_reads", "xhs")]] == [32_000, 180_000, 6_200_000]
    assert [value for _at, value in series[("note_exposure", "xhs")]] == [85_000, 12_000_000]
    doc = sample()
    doc["timeline"].append(
        {"at": "2026-11-24T12:40:00+08:00", "kind": "metric", "author": "ou_ops", "text": "话题阅读 300万（微博）"}
    )
    assert ("topic_reads", "weibo") in charts.count_series(doc)


@pytest.mark.parametrize("draw", [charts.propagation_chart, charts.negative_chart, charts.steps_gantt])
def test_charts_of_an_empty_incident_say_no_data(draw):
    data = draw(empty_retro())
    width, height = png_size(data)
    assert width < 1000 and height < 300
    assert len(data) > 1_000


def test_milestones_alone_still_draw_a_curve():
    doc = sample()
    doc["timeline"] = []
    width, _height = png_size(charts.propagation_chart(doc))
    assert width >= 1000


@pytest.mark.skipif(not NOTO_CJK.exists(), reason="Noto Sans CJK is not installed")
def test_chart_chinese_text_has_no_missing_glyphs(caplog):
    assert charts.cjk_family() == "Noto Sans CJK SC"
    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for draw in (charts.propagation_chart, charts.negative_chart, charts.steps_gantt):
            draw(sample())
        charts.empty_chart("传播曲线")
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "Glyph" in m or "missing from" in m], messages


# --- the page in headless Chromium ----------------------------------------------------------------------------------


@pytest.mark.skipif(
    shutil.which("chromium") is None and not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"
)
def test_html_renders_in_headless_chromium_with_chinese_glyphs(page_html, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "retro.html"
    path.write_text(page_html, encoding="utf-8")
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri(), wait_until="load")

            assert problems == []
            assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
            images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
            assert len(images) == 3 and all(done and w > 0 and h > 0 for done, w, h in images), images
            headings = page.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent.trim())")
            assert [h[1:] for h in headings] == SECTIONS

            # Chinese is drawn with the CJK font Chromium found, not a fallback box.
            assert page.evaluate("""document.fonts.check('16px "Noto Sans CJK SC"', '危机复盘')""")
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument")["root"]["nodeId"]
            for selector in ("h1", "h2", "td"):
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                assert fonts and all("CJK" in f["familyName"] for f in fonts), (selector, fonts)
            glyphs = page.evaluate("""() => {
                const family = getComputedStyle(document.querySelector('h2')).fontFamily;
                const draw = (text) => {
                    const canvas = document.createElement('canvas');
                    canvas.width = 64; canvas.height = 64;
                    const ctx = canvas.getContext('2d');
                    ctx.font = '40px ' + family;
                    ctx.fillText(text, 8, 48);
                    const data = ctx.getImageData(0, 0, 64, 64).data;
                    let ink = 0;
                    for (let i = 3; i < data.length; i += 4) ink += data[i] > 0 ? 1 : 0;
                    return {key: Array.from(data).join(','), ink};
                };
                const wei = draw('危'), ji = draw('机'), pua = draw('\\ue000'), pua2 = draw('\\ue001');
                return {inked: wei.ink > 40 && ji.ink > 40, distinct: wei.key !== ji.key,
                        notTofu: wei.key !== pua.key && ji.key !== pua.key, tofuLooksAlike: pua.key === pua2.key};
            }""")
            assert glyphs["inked"] and glyphs["distinct"] and glyphs["notTofu"], glyphs

            shot = tmp_path / "retro.png"
            page.screenshot(path=str(shot), full_page=True)
            width, height = png_size(shot.read_bytes())
            assert width == 1100 and height > 3000
        finally:
            browser.close()
