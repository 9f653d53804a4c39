"""Issue 15, item 1: one absurd number (a typo) never raises an incident, never kills a command, and no
stored value, however large, breaks a report."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.models import InboxEvent
from bot.incidents.models import Incident
from bot.retro.flows import document
from bot.timeline import samples
from bot.timeline.models import LevelChange, MetricSample
from tests.support import T0, table_counts


def changed_tables(chat, before: dict[str, int]) -> set[str]:
    after = table_counts(chat.db_url)
    return {name for name in after if after[name] != before.get(name)}


def test_an_absurd_metric_command_is_refused_in_chinese_and_changes_nothing(chat):
    chat.say("/危机 开启 面霜过敏")  # level 2
    for minute, typed in enumerate(("99999999999999999999亿", "1000000000000000000000000000000", "9" * 400), 5):
        before = table_counts(chat.db_url)
        [reply] = chat.say(f"/数据 话题阅读 {typed}", minutes=minute)
        assert "超出这项数据的合理范围（最多 10000亿）" in reply.text
        assert changed_tables(chat, before) == {"inbox_event", "outbox_message"}
    with Session(chat.engine) as session:
        assert session.exec(select(MetricSample)).all() == []
        assert session.exec(select(LevelChange)).all() == []
        assert {e.status for e in session.exec(select(InboxEvent))} == {"done"}


def test_a_value_at_the_plausible_maximum_is_still_recorded(chat):
    chat.say("/危机 开启 面霜过敏")
    [recorded, *_] = chat.say("/数据 话题阅读 1万亿", minutes=5)
    assert recorded.text.startswith("已记录：话题阅读 10000亿")


def test_an_absurd_reading_in_a_message_is_told_and_not_recorded(chat):
    chat.say("/危机 开启 面霜过敏")
    replies = chat.say("话题阅读量破99999999999999999999亿", minutes=5)
    assert [r.text for r in replies] == [
        "“话题阅读量破99999999999999999999亿”超出话题阅读的合理范围（最多 10000亿），像是笔误，没有记为数据；"
        "如果数字无误，请核对后用 /数据 重发"
    ]
    with Session(chat.engine) as session:
        assert session.exec(select(MetricSample)).all() == []
        assert session.exec(select(LevelChange)).all() == []
        assert session.exec(select(Incident)).one().level == 2
    assert not any("负责人" in r.text for r in replies)  # nobody is @-mentioned for a typo


def test_huge_stored_values_never_break_a_report(chat):
    chat.say("/危机 开启 面霜过敏")
    chat.say("话题阅读量破620万", minutes=5)
    chat.say("小红书话题阅读量破99999999999999999999亿", minutes=6)  # a text the charts re-read
    with Session(chat.engine) as session:  # rows stored before the plausible range existed
        incident = session.exec(select(Incident)).one()
        for minutes, value in ((7, 1e28), (8, 1e300), (9, 1e30)):
            samples.record(
                session,
                incident,
                metric="topic_reads",
                value=value,
                platform="xhs",
                at=T0 + timedelta(minutes=minutes),
                source="command",
            )
        session.commit()
    chat.say("/结束", minutes=30)
    with Session(chat.engine) as session:
        incident = session.exec(select(Incident)).one()
        for form in ("html", "md", "json"):
            text = document(session, incident, chat.settings, format=form, now=T0 + timedelta(hours=1))
            assert "全链路数据" in text or form == "json"
