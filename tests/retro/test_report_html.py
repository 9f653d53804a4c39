"""The HTML report: the six sections, self-contained (charts inline), user text escaped, and the page renders in
headless Chromium with Chinese glyphs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.retro.report_support import (
    AFTER_CLOSE,
    NAMES,
    SECTIONS,
    html,
    markdown,
    png_size,
    sample,
)
from tests.support import SH

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def page_html(recommendations) -> str:
    return html(sample(), tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)


# --- HTML -----------------------------------------------------------------------------------------------------------


def test_html_has_the_six_h2_in_order_and_the_numbers(page_html):
    assert [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", page_html)] == [
        f"{no}{name}" for no, name in zip("一二三四五六", SECTIONS, strict=True)
    ]
    for expected in ("55分钟", "4小时30分钟", "65%", "620万", "4/8", "2027年1月1日 10:00"):
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
    page = html(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "<script>" not in page and "<img src=x" not in page and "<b>漏洞" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;面霜" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;晒图" in page
    assert "质检 &amp; 客服 &lt;b&gt;漏洞&lt;/b&gt;" in page
    # Markdown keeps user text as written
    text = markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "# 危机复盘报告：<script>alert(1)</script>面霜" in text


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
