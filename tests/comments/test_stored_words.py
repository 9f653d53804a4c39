"""Keywords are cut once, at import: a negative public comment carries its keyword candidates (`Comment.words`),
and counting them gives what cutting every text at count time gives — also for comments stored before the column
existed (words NULL), which are cut when counted. Stop words apply when counting."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.comments import analysis
from bot.comments.models import Comment
from bot.comments.phrases import phrases
from bot.config import BUNDLED_PLAYBOOKS
from bot.core.db import make_engine
from tests.comments import kol_jump
from tests.comments.paths import cli_import, summary_of


def _keywords(db_url: str, stop_words: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    book = phrases(BUNDLED_PLAYBOOKS)
    if stop_words:
        book = type(book)(book.book.model_copy(update={"stop_words": [*book.book.stop_words, *stop_words]}))
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return analysis.keywords(session, analysis.Window(1), book, limit=50)
    finally:
        engine.dispose()


def test_words_are_cut_at_import_and_count_as_the_texts_would(chat, db_url, tmp_path):
    chat.say("/危机 开启 面霜过敏")
    assert summary_of(cli_import(db_url, kol_jump.FILE, "--chat", chat.chat_id, "--json", cwd=tmp_path))["imported"]
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = list(session.exec(select(Comment)))
        negative = [c for c in rows if c.sentiment == "negative"]
        assert negative and all(c.words for c in negative)
        assert all(c.words is None for c in rows if c.sentiment != "negative")
        assert all(set(c.words.split()) <= {w for w in c.words.split() if w in c.text} for c in negative)
    stored = _keywords(db_url)

    with Session(engine) as session:  # as if imported before words were kept
        for comment in session.exec(select(Comment)):
            comment.words = None
            session.add(comment)
        session.commit()
    engine.dispose()
    assert _keywords(db_url) == stored
    by_word = dict(stored)
    per_text = sum(kol_jump.NEGATIVE_PER_BUCKET) // len(kol_jump.NEGATIVE)  # each negative text posted 35 times
    assert by_word["退款"] == per_text * sum(1 for text, _, _ in kol_jump.NEGATIVE if "退款" in text)


def test_stop_words_apply_when_counting(chat, db_url, tmp_path):
    chat.say("/危机 开启 面霜过敏")
    summary_of(cli_import(db_url, kol_jump.FILE, "--chat", chat.chat_id, "--json", cwd=tmp_path))
    top = _keywords(db_url)[0][0]
    assert top not in dict(_keywords(db_url, frozenset({top})))
