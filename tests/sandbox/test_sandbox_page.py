"""The sandbox page in headless Chromium (Debian `chromium`), driven by Playwright: a member
posts /帮助 and sees the bot's answer; no console errors; Chinese text renders."""

from __future__ import annotations

import shutil

import pytest

from bot.app import create_app
from tests.support import make_settings, serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_member_posts_help_and_sees_the_answer(db_url, tmp_path):
    from playwright.sync_api import sync_playwright

    with serve(create_app(make_settings(db_url))) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(locale="zh-CN")
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url + "/")
        page.wait_for_selector("text=危机复盘助手已入群", timeout=10_000)
        page.select_option("#sender", label="王运营（运营）")
        page.fill("#text", "/帮助")
        page.click("button[type=submit]")
        page.wait_for_selector(".msg.bot >> text=/help", timeout=10_000)
        assert page.input_value("#text") == ""
        user_messages = page.locator(".msg:not(.bot) .who").all_inner_texts()
        assert any("王运营" in who for who in user_messages)
        page.screenshot(path=str(tmp_path / "sandbox.png"), full_page=True)
        # CJK glyphs must have real widths (tofu boxes would all be identical).
        widths = page.evaluate("""() => ['危', '机', 'a'].map(ch => {
            const c = document.createElement('canvas').getContext('2d');
            c.font = '16px "Noto Sans CJK SC", sans-serif';
            return c.measureText(ch).width; })""")
        assert widths[0] > widths[2]
        browser.close()
    assert errors == []
