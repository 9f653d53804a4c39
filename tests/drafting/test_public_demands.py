"""Drafts may use the public's demands as facts (issue 13): after an import, a statement names what the negative
comments still ask for since the team's last statement (the segment's own for a segmented draft), still holds the
lint, and never quotes the comments; a statement posted after the comments leaves nothing open."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session, select

from bot.core.db import make_engine
from bot.drafting.models import Draft
from tests.comments import kol_jump
from tests.comments.paths import cli_import, summary_of
from tests.support import SH

REMEDY = "3天内可申请全额退款，并补偿20元优惠券"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=SH)


def _latest_draft(db_url: str) -> Draft:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return session.exec(select(Draft).order_by(Draft.id.desc())).first()
    finally:
        engine.dispose()


def _demands(segment: str | None) -> list[str]:
    """The fixture's demands by hand: each negative text is posted equally often, so a demand's weight is the number
    of negative texts (of the segment, or all) that name it; ties in the phrase book's order."""
    order = ["退款", "赔偿", "检测报告", "道歉", "说法"]
    named = Counter(demand for _, seg, demand in kol_jump.NEGATIVE if segment is None or seg == segment)
    return sorted(named, key=lambda d: (-named[d], order.index(d)))[:3]


def _imported(chat, db_url, tmp_path) -> None:
    chat.say(f"/危机 开启 面霜过敏 开始=08:00 补救={REMEDY}", at=at(8))
    assert summary_of(cli_import(db_url, kol_jump.FILE, "--chat", chat.chat_id, "--json", cwd=tmp_path))["imported"]


def test_a_statement_names_the_open_demands_of_its_segment(chat, db_url, tmp_path):
    _imported(chat, db_url, tmp_path)
    chat.say("/草拟 声明", at=at(14, 10))
    general = _latest_draft(db_url)
    assert f"问得最多的是{'、'.join(_demands(None))}" in general.text
    assert general.score >= 80, general.findings
    assert not any(text in general.text for text, _, _ in kol_jump.NEGATIVE)  # demands, never the comments' words
    chat.say("/草拟 声明 分层=核心", at=at(14, 12))
    core = _latest_draft(db_url)
    assert f"问得最多的是{'、'.join(_demands('core'))}" in core.text
    assert _demands("core") != _demands(None)  # the fixture tells the two apart


def test_after_the_teams_statement_nothing_is_open(chat, db_url, tmp_path):
    _imported(chat, db_url, tmp_path)
    chat.say("/声明 正式 关于面霜过敏：我们已暂停销售，3天内可申请全额退款，并补偿20元优惠券。", at=at(14, 20))
    chat.say("/草拟 声明", at=at(14, 30))
    assert "问得最多" not in _latest_draft(db_url).text


def test_without_an_import_the_statement_has_no_such_line(chat, db_url):
    chat.say(f"/危机 开启 面霜过敏 补救={REMEDY}", at=at(8))
    chat.say("/草拟 声明", at=at(9))
    assert "问得最多" not in _latest_draft(db_url).text
