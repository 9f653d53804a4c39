"""A whole crisis in the sandbox page, in headless Chromium (Debian `chromium`) driven by Playwright, at a desktop
width and a phone width: roles, a crisis opened, role cards, 认领 and 完成, a statement, a draft adopted, /复盘, the
report opened and its Markdown downloaded. The page must read like the Feishu group (avatars, own messages on the
right, highlighted mentions, `---` as a rule, whole button labels, one-time buttons gone or greyed) and fit the screen.

Screenshots are kept under the test's tmp dir; with README_SHOTS=1 the 1280 px ones are also written to docs/images/
(the README's pictures)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.app import create_app
from tests.comments.paths import COMMENT_FILES
from tests.sandbox.test_sandbox_page import ARGS, CHROMIUM
from tests.support import Clock, make_settings, serve

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WAIT = 20_000  # ms: the bot answers through the inbox and outbox workers

# Layout measurements run in the page: what overflows the viewport, what buttons show cut.
OVERFLOW = """() => ({page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth})"""
CUT_BUTTONS = """() => [...document.querySelectorAll('button, .tools a')]
    .filter(b => b.offsetParent !== null && (b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right >
        document.documentElement.clientWidth + 1))
    .map(b => b.textContent)"""


def _say(page, who: str, text: str) -> None:
    page.select_option("#sender", label=who)
    page.fill("#text", text)
    page.click("button[type=submit]")
    page.wait_for_function("() => document.getElementById('text').value === ''", timeout=WAIT)


def _card(page, title: str):
    return page.locator(".card", has=page.locator("h3", has_text=title)).last


def _assert_fits(page, width: int) -> None:
    sizes = page.evaluate(OVERFLOW)
    assert sizes["page"] <= sizes["view"], f"the page overflows at {width}px: {sizes}"
    assert page.evaluate(CUT_BUTTONS) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_whole_crisis_in_the_sandbox_page(db_url, tmp_path, width):
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "shots"
    shots.mkdir()
    errors: list[str] = []
    with serve(create_app(make_settings(db_url))) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(
            locale="zh-CN", viewport={"width": width, "height": 900}, accept_downloads=True, device_scale_factor=1
        )
        # Report links carry PUBLIC_BASE_URL (its default port); the app under test listens elsewhere.
        base = make_settings(db_url).public_base_url.rstrip("/")
        context.route(
            base + "/**",
            lambda route: route.fulfill(response=route.fetch(url=route.request.url.replace(base, url))),
        )
        context.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        context.on("weberror", lambda err: errors.append(str(err.error)))
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_selector("text=已入群", timeout=WAIT)

        # The header stays one line and 发送 is whole on screen.
        assert page.locator("header").bounding_box()["height"] < 60
        send = page.locator("button[type=submit]").bounding_box()
        assert send["x"] + send["width"] <= width

        for role, name in (("负责人", "周总"), ("运营", "王运营"), ("市场", "李市场"), ("客服", "张客服")):
            _say(page, "周总（CEO）", f"/角色 {role} @{name}")
        page.wait_for_selector(".msg.bot >> text=张客服", timeout=WAIT)
        # Own messages on the right with an avatar; mentions highlighted.
        mine = page.locator(".msg.mine").last
        assert mine.locator(".avatar").inner_text() == "周"
        assert mine.locator(".mention").first.inner_text().startswith("@")
        assert page.locator(".msg.bot .avatar").first.inner_text() == "复盘"

        _say(page, "周总（CEO）", "/危机 开启 修护面霜过敏 级别=1")
        support = _card(page, "客服任务")
        support.wait_for(timeout=WAIT)
        ops = _card(page, "运营任务")
        ops.wait_for(timeout=WAIT)
        # Buttons are whole words, never a title cut short; no two read the same on one card.
        for card in (ops, support):
            labels = card.locator("button").all_inner_texts()
            assert len(labels) == len(set(labels)), labels
            assert not any("：" in label for label in labels), labels
        assert support.locator("button").all_inner_texts() == ["认领", "完成", "需要帮助"]
        assert {"完成（1）", "完成（2）"} <= set(ops.locator("button").all_inner_texts())
        _assert_fits(page, width)

        # 认领: the card says who claimed it and the pressed button stays greyed.
        page.select_option("#sender", label="张客服（客服）")
        support.get_by_role("button", name="认领", exact=True).click()
        support.locator("text=已认领").wait_for(timeout=WAIT)
        assert support.get_by_role("button", name="认领", exact=True).is_disabled()
        # 完成: the step's buttons are gone once it is done.
        support.get_by_role("button", name="完成", exact=True).click()
        support.locator("text=已完成").wait_for(timeout=WAIT)
        assert support.locator("button").count() == 0

        statement = "/声明 初步 看到大家的反馈真的很抱歉，涉事批次3天内可申请全额退款，私信客服专项通道即可办理"
        _say(page, "王运营（运营）", statement)
        page.wait_for_selector(".msg.bot >> text=已记录初步回应", timeout=WAIT)

        # The file picker posts a comment file the way a Feishu file message does: it is imported.
        page.set_input_files("#upload", str(COMMENT_FILES / "xhs_mediacrawler.csv"))
        page.wait_for_selector(".msg.bot >> text=已导入评论", timeout=WAIT)

        _say(page, "王运营（运营）", "/数据 话题阅读 620万")
        _say(page, "王运营（运营）", "/数据 负面占比 45%")
        page.wait_for_selector(".msg.bot >> text=45%", timeout=WAIT)

        _say(page, "李市场（市场）", "/草拟 回复 分层=核心 用户反馈用后泛红")
        draft = _card(page, "草拟")
        draft.wait_for(timeout=WAIT)
        assert draft.locator("hr").count() >= 1 and "---" not in draft.inner_text()
        draft.get_by_role("button", name="采用").click()
        draft.locator("text=已采用").wait_for(timeout=WAIT)
        assert draft.locator("button").count() == 0
        _assert_fits(page, width)

        _say(page, "周总（CEO）", "/复盘")
        attachment = page.locator("a.attachment").last
        attachment.wait_for(timeout=WAIT)
        retro = page.locator(".card", has=page.get_by_role("button", name="打开完整报告")).last
        retro.wait_for(timeout=WAIT)
        if width >= 1100:  # the step board and the timeline beside the chat
            board = page.locator("aside#board")
            assert board.is_visible()
            board.locator(".step.met").first.wait_for(timeout=WAIT)
            assert board.locator(".entry").count() >= 2
        else:  # on a phone the board is one tap away and the chat comes back with the next
            assert not page.locator("aside#board").is_visible()
            page.click("#board-toggle")
            page.locator("aside#board .step").first.wait_for(timeout=WAIT)
            assert not page.locator("#log").is_visible()
            _assert_fits(page, width)
            page.screenshot(path=str(shots / f"board-{width}.png"))
            page.click("#board-toggle")
            assert page.locator("#log").is_visible()
        _assert_fits(page, width)
        page.screenshot(path=str(shots / f"sandbox-{width}.png"))

        with page.expect_download(timeout=WAIT) as download_info:
            attachment.click()
        download = download_info.value
        assert download.suggested_filename.endswith(".md")
        markdown = Path(download.path()).read_text(encoding="utf-8")
        assert "危机概述" in markdown and "执行时间表" in markdown

        with context.expect_page(timeout=WAIT) as report_info:
            retro.get_by_role("button", name="打开完整报告").click()
        report = report_info.value
        report.wait_for_load_state("load")
        report.wait_for_selector("text=危机概述", timeout=WAIT)
        sizes = report.evaluate(OVERFLOW)
        assert sizes["page"] <= sizes["view"], f"the report overflows at {width}px: {sizes}"
        for chart in report.locator("img, svg").all():
            box = chart.bounding_box()
            if box:
                assert box["x"] + box["width"] <= width + 1
        report.screenshot(path=str(shots / f"report-{width}.png"))
        browser.close()

    assert errors == []
    if os.environ.get("README_SHOTS") == "1" and width == 1280:
        README_IMAGES.mkdir(parents=True, exist_ok=True)
        for name in ("sandbox", "report"):
            shutil.copyfile(shots / f"{name}-{width}.png", README_IMAGES / f"{name}.png")


def test_message_times_are_the_bots_time_zone_whatever_the_browsers(db_url):
    """A laptop in New York sees the group's times as the timeline and the bot write them (BOT_TIMEZONE, here
    Asia/Shanghai), not converted to its own zone."""
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright

    clock = Clock(datetime(2026, 11, 26, 2, 5, tzinfo=UTC))  # 10:05 in Shanghai, 21:05 the day before in New York
    with serve(create_app(make_settings(db_url), clock=clock)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_context(locale="zh-CN", timezone_id="America/New_York").new_page()
        page.goto(url + "/")
        page.wait_for_selector("text=已入群", timeout=WAIT)
        _say(page, "周总（CEO）", "/危机 开启 面霜过敏笔记发酵")
        page.wait_for_selector("text=危机事件 #1 已开启", timeout=WAIT)
        stamps = page.locator(".who").all_inner_texts()
        browser.close()
    own = [s for s in stamps if s.startswith("周总")]
    assert own and all(s.endswith("10:05") for s in own), stamps
    assert not [s for s in stamps if "21:05" in s], stamps
