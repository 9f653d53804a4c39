"""Issue 15, item 13: a report link carries its expiry (REPORT_LINK_DAYS, default 30) and an incident's links can
be revoked (`crisisbot retro ID --revoke-links`) without touching the secret or other incidents' links."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from bot.app import create_app
from tests.support import Clock, make_settings, run_cli, serve


def report_path(chat) -> str:
    """The signed path of the latest retro card's report button, e.g. /reports/1?sig=…&exp=…"""
    card = next(s.card for s in reversed(chat.sent()) if s.card and s.card["title"].startswith("复盘"))
    url = card["blocks"][-1]["buttons"][0]["url"]
    return url[url.index("/reports/") :]


def opens(chat, path: str, *, days_later: float) -> int:
    """The page's status `days_later` than the bot's clock when the links were made."""
    app = create_app(make_settings(chat.db_url), clock=Clock(chat.clock() + timedelta(days=days_later)))
    with serve(app) as base:
        return httpx.get(base + path, timeout=30).status_code


def test_a_report_link_expires_after_the_configured_days(chat, db_url):
    chat.say("/危机 开启 面霜过敏 级别=1")
    chat.say("/复盘", minutes=30)
    path = report_path(chat)
    assert re.fullmatch(r"/reports/1\?sig=[0-9a-f]{32}&exp=\d+", path)
    assert opens(chat, path, days_later=29) == 200
    assert opens(chat, path, days_later=31) == 403
    later = path.replace("exp=", "exp=9")  # a longer life cannot be typed in: the signature covers it
    assert opens(chat, later, days_later=1) == 403

    chat.settings = chat.processor.settings = make_settings(db_url, report_link_days=7)
    chat.say("/复盘", minutes=60)
    week = report_path(chat)
    assert opens(chat, week, days_later=6) == 200 and opens(chat, week, days_later=8) == 403


def test_revoking_one_incidents_links_leaves_the_others_open(chat, db_url, tmp_path):
    chat.say("/危机 开启 面霜过敏 级别=1")
    chat.say("/复盘", minutes=30)
    first = report_path(chat)
    chat.say("/危机 开启 物流延迟 级别=2", chat_id="oc_2", minutes=40)
    chat.say("/复盘", chat_id="oc_2", minutes=50)
    other = report_path(chat)
    assert other.startswith("/reports/2?")

    done = run_cli(["retro", "1", "--revoke-links"], tmp_path, DATABASE_URL=db_url)
    assert done.returncode == 0, done.stderr
    assert "报告链接已全部失效" in done.stdout

    assert opens(chat, first, days_later=1) == 403
    assert opens(chat, other, days_later=1) == 200
    chat.say("/复盘", minutes=90)  # a fresh link works again
    assert opens(chat, report_path(chat), days_later=1) == 200
