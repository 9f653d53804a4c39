"""Quiet logs: a running sandbox that only polls and sweeps writes no INFO line (its routine is DEBUG), while
an event and a send each get one; a chart drawn on a system without a bold CJK face makes matplotlib warn
about nothing."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from matplotlib import font_manager
from sqlmodel import Session

from bot.incidents.models import Incident
from bot.retro import flows as retro_flows
from bot.retro.charts import canvas
from tests.served_bot import served_bot
from tests.support import wait_until

NOTO_SANS_CJK_REGULAR = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def test_idle_polling_and_sweeps_write_no_info_line_but_an_event_and_its_send_do(tmp_path):
    with served_bot(tmp_path, LOG_LEVEL="debug", SWEEP_INTERVAL_SECONDS="0.2") as bot:
        mark = len(bot.log())

        def window() -> str:
            return bot.log()[mark:]

        def page_polls_while_sweeps_run() -> bool:
            bot.transcript()  # what the sandbox page does every second
            bot.http.get(f"{bot.url}/healthz")  # what a container health check does
            return window().count("sweep found nothing due") >= 5

        assert wait_until(page_polls_while_sweeps_run, interval=0.1), window()
        idle = window().splitlines()
        assert [line for line in idle if " INFO " in line or " WARNING " in line] == []
        routine = [line for line in idle if " DEBUG " in line]
        assert any("GET /sandbox/api/messages" in line for line in routine)
        assert any("GET /healthz" in line for line in routine)
        assert any(line.count("apscheduler") and "Runtime.sweep" in line for line in routine)

        mark = len(bot.log())
        bot.post("/帮助")
        assert wait_until(lambda: " INFO bot.core.outbox: sent " in window()), window()
        info = [line for line in window().splitlines() if " INFO " in line]
        assert any("bot.core.processing: event " in line and "handled" in line for line in info), info
        assert any("bot.core.outbox: sent card" in line or "bot.core.outbox: sent text" in line for line in info)


@pytest.fixture(params=["regular face alone", "bold file unregistered"])
def regular_cjk_face_only(request, tmp_path, monkeypatch):
    """matplotlib's font list as on a system where it knows only the regular Noto Sans CJK face: either the file
    sits alone in its folder, or its -Bold sibling is on disk but unknown to matplotlib. Yields the expected
    title weight."""
    if not NOTO_SANS_CJK_REGULAR.is_file():
        pytest.skip("needs fonts-noto-cjk")
    path = NOTO_SANS_CJK_REGULAR
    if request.param == "regular face alone":
        path = tmp_path / "fonts" / NOTO_SANS_CJK_REGULAR.name
        path.parent.mkdir()
        os.symlink(NOTO_SANS_CJK_REGULAR, path)
    elif not Path(str(path).replace("-Regular", "-Bold")).is_file():
        pytest.skip("needs the bold Noto Sans CJK file")
    manager = font_manager.fontManager
    kept = [entry for entry in manager.ttflist if "CJK" not in entry.name]
    regular = font_manager.FontEntry(
        fname=str(path), name=canvas.CJK_FAMILY, weight=400, style="normal", size="scalable"
    )
    monkeypatch.setattr(manager, "ttflist", [*kept, regular])

    def forget() -> None:
        canvas.cjk_family.cache_clear()
        canvas.heading_weight.cache_clear()
        font_manager.FontManager._findfont_cached.cache_clear()
        font_manager._get_font.cache_clear()

    forget()
    yield "normal" if request.param == "regular face alone" else "bold"
    monkeypatch.undo()
    forget()


def test_a_chart_on_a_system_without_a_known_bold_cjk_face_draws_without_font_warnings(
    chat, regular_cjk_face_only, caplog
):
    chat.say("/危机 开启 面霜过敏")
    chat.say("/数据 负面占比 30%", minutes=30)
    chat.say("/数据 负面占比 65%", minutes=90)
    caplog.set_level(logging.WARNING)
    with Session(chat.engine) as session:
        incident = session.get(Incident, 1)
        page = retro_flows.html_for(session, incident, chat.settings, now=chat.clock())
    assert "危机概述" in page and "data:image/png;base64," in page
    font_lines = [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")]
    assert font_lines == []
    assert canvas.heading_weight() == regular_cjk_face_only
