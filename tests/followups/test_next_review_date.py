"""The retro's 下次复盘 is the scheduler's quarterly review (bot/followups/cadence.py, one source): an incident
closed in Q4 2026 gives Monday 4 January 2027 (New Year's Day is a holiday, then a weekend) on the card, in the JSON,
the Markdown and the HTML, and the sweep posts that review exactly then; a group's own schedule moves both."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from bot.clock.now import as_utc
from bot.followups import cadence
from bot.incidents.models import Incident
from bot.retro import flows as retro_flows
from bot.scheduling import sweep
from tests.chat import SandboxChat
from tests.support import SH


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


def retro_card(replies) -> str:
    [card] = [s.text for s in replies if s.card and "关键指标" in s.text]
    return card


def documents(chat: SandboxChat) -> dict[str, str]:
    with Session(chat.engine) as session:
        incident = session.get(Incident, 1)
        return {
            fmt: retro_flows.document(session, incident, chat.settings, format=fmt, now=chat.clock())
            for fmt in ("json", "md", "html")
        }


def posted_reviews(chat: SandboxChat, at: datetime) -> list[str]:
    before = len(chat.sent())
    sweep.sweep(chat.engine, chat.settings, now=at)
    return [s.text for s in chat.sent()[before:] if "季度复盘：" in s.text]


def test_an_incident_closed_in_q4_2026_is_reviewed_on_4_january_2027_as_the_scheduler_posts_it(chat):
    chat.say("/危机 开启 面霜过敏 类型=product_defect", at=local(2026, 11, 24, 9, 0))
    card = retro_card(chat.say("/结束", at=local(2026, 11, 24, 18, 0)))
    docs = documents(chat)

    assert json.loads(docs["json"])["next_review_at"] == "2027-01-04T10:00:00+08:00"
    assert "下次季度复盘：2027年1月4日 10:00" in card
    assert "下次季度复盘：**2027年1月4日 10:00**" in docs["md"]
    assert "下次季度复盘：<strong>2027年1月4日 10:00</strong>" in docs["html"]
    for text in (card, docs["md"], docs["html"]):
        assert "2027年1月1日" not in text

    with Session(chat.engine) as session:
        closed_at = as_utc(session.get(Incident, 1).closed_at)
        group = cadence.cadence(session, chat.chat_id, chat.settings)
    assert cadence.next_review_moment(group, closed_at, SH) == local(2027, 1, 4, 10, 0)
    assert posted_reviews(chat, local(2027, 1, 1, 10, 0)) == []
    [review] = posted_reviews(chat, local(2027, 1, 4, 10, 0))
    assert "2026年第四季度复盘" in review


def test_a_groups_own_review_day_and_time_move_the_retros_date_too(chat):
    chat.say("/危机 开启 面霜过敏 类型=product_defect", at=local(2026, 11, 24, 9, 0))
    chat.say("/季度复盘 设置 工作日=2 时间=15:30", at=local(2026, 11, 24, 9, 5))
    card = retro_card(chat.say("/结束", at=local(2026, 11, 24, 18, 0)))

    assert json.loads(documents(chat)["json"])["next_review_at"] == "2027-01-05T15:30:00+08:00"
    assert "下次季度复盘：2027年1月5日 15:30" in card
    assert posted_reviews(chat, local(2027, 1, 4, 10, 0)) == []
    assert len(posted_reviews(chat, local(2027, 1, 5, 15, 30))) == 1
