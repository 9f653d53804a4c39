"""/舆情 (/sentiment, contract): the current negative share, emotions, keywords and segments of the imported comments
as a card, with the curve as an image; before any import, one Chinese line saying how to import."""

from __future__ import annotations

from datetime import datetime

from tests.comments import kol_jump
from tests.comments.paths import cli_import, summary_of
from tests.support import SH


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=SH)


def test_before_any_import_it_says_how_to_import(chat):
    chat.say("/危机 开启 面霜过敏", at=at(8))
    [reply] = chat.say("/舆情", at=at(8, 30))
    assert "还没有导入评论" in reply.text and "发到群里" in reply.text


def test_after_an_import_the_card_gives_the_numbers_and_the_curve(chat, db_url, tmp_path):
    chat.say("/危机 开启 面霜过敏 开始=08:00", at=at(8))
    summary = summary_of(cli_import(db_url, kol_jump.FILE, "--chat", chat.chat_id, "--json", cwd=tmp_path))
    assert summary["imported"] == 600
    replies = chat.say("/sentiment", at=at(14, 10))  # the English alias
    card, image = replies
    assert card.card["title"].startswith("舆情 · 事件 #1")
    text = card.text
    negative = sum(kol_jump.NEGATIVE_PER_BUCKET)
    assert f"负面评论占比：{round(100 * negative / 600)}%" in text or f"{100 * negative / 600:.1f}%" in text
    assert f"负面 {negative} 条" in text
    assert "最近一段（截至 11月24日 14:00）：30%" in text  # the last bucket: 15 of 50
    assert "过敏" in text and "退款" in text  # the keywords the fixture was written with
    assert "核心用户" in text and "还在等：退款" in text
    assert image.payload["kind"] == "image"
    assert "舆情曲线" in image.payload["file_name"]
