"""Issue 15, item 7: forty people opening the forwarded report link must not starve the bot. The page is drawn once
per version of the retro, at most a couple at a time, and requests waiting for a drawing slot hold no worker thread:
/healthz (and the webhook, on the same thread pool) answer while every drawing slot is taken."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from bot.app import create_app
from tests.hardening.test_report_link_expiry import report_path
from tests.support import Clock, make_settings, serve, wait_until

OPENS = 40


def test_forty_opens_draw_the_page_once_and_health_answers_meanwhile(chat):
    chat.say("/危机 开启 面霜过敏 级别=1")
    chat.say("负面评论占比升至45%", minutes=10)
    chat.say("/结束", minutes=30)
    path = report_path(chat)
    app = create_app(make_settings(chat.db_url), clock=Clock(chat.clock()))
    pages = app.state.report_pages
    with serve(app) as base:
        # Take every drawing slot: the forty requests queue up behind them.
        taken = [pages._drawing.acquire(timeout=5) for _ in range(2)]
        assert all(taken)
        statuses: list[int] = []
        lock = threading.Lock()

        def open_once() -> None:
            status = httpx.get(base + path, timeout=120).status_code
            with lock:
                statuses.append(status)

        with ThreadPoolExecutor(OPENS) as pool:
            for _ in range(OPENS):
                pool.submit(open_once)
            # While all forty wait, the server still answers at once-sized work.
            for _ in range(5):
                assert httpx.get(base + "/healthz", timeout=10).status_code == 200
            assert statuses == []  # nothing was drawn yet
            for _ in taken:
                pages._drawing.release()
        assert wait_until(lambda: len(statuses) == OPENS)
        assert statuses == [200] * OPENS
        assert pages.rendered == 1  # one version of the retro, one drawing

        # A new fact is a new version: drawn again, once.
        [reply] = chat.say("/根因 表层 博主晒图引发跟风", minutes=40)
        assert "表层" in reply.text, reply.text
        assert httpx.get(base + path, timeout=60).status_code == 200
        assert pages.rendered == 2
