"""/数据 (/metric): a data point at its time and platform, refused with a reason when it cannot be used;
/记录 and /声明 log at the message's time; a pin reaction adds a message once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry
from tests.support import T0, table_counts


def entries(chat) -> list[TimelineEntry]:
    with Session(chat.engine) as session:
        return list(session.exec(select(TimelineEntry).order_by(TimelineEntry.id)))


def test_a_data_point_is_recorded_at_its_time_and_platform(chat):
    chat.say("/危机 开启 面霜过敏")
    replies = chat.say("/数据 负面占比 65% 微博 时间=09:20", minutes=30)
    assert replies[0].text == "已记录：负面评论占比 65%（微博，11月24日 09:20）。"
    assert any("65%" in r and "20%" in r for r in replies[1:])  # above the 20 % alert line: the group is told
    with Session(chat.engine) as session:
        [sample] = session.exec(select(MetricSample)).all()
    assert (sample.metric, sample.value, sample.platform, sample.source) == ("negative_ratio", 0.65, "weibo", "command")
    assert as_utc(sample.at) == T0 + timedelta(minutes=20)
    [entry] = [e for e in entries(chat) if e.kind == "metric"]
    assert (entry.text, entry.source, entry.message_id) == ("负面评论占比 65%（微博）", "command", "om2")


def test_a_data_point_above_the_level_1_line_raises_the_level_and_says_so(chat):
    chat.say("/危机 开启 面霜过敏")  # level 2
    replies = chat.say("/数据 话题阅读 620万", minutes=15)
    assert replies[0].text == "已记录：话题阅读 620万（小红书，11月24日 09:15）。"
    assert any("升级为一级危机" in r for r in replies[1:])
    with Session(chat.engine) as session:
        [change] = session.exec(select(LevelChange)).all()
    assert (change.from_level, change.to_level) == (2, 1)


def test_a_future_time_for_a_data_point_is_called_time_not_start_time_and_changes_nothing(chat):
    chat.say("/危机 开启 面霜过敏")
    before = table_counts(chat.db_url)
    [reply] = chat.say("/数据 话题阅读 620万 时间=11-24 10:00", minutes=5)  # sent at 09:05
    assert reply.text == "时间 10:00 晚于现在，请写已经发生的时间"
    after = table_counts(chat.db_url)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"inbox_event", "outbox_message"}  # the message and the reply, nothing else


def test_a_refused_value_is_explained_word_for_word(chat):
    chat.say("/危机 开启 面霜过敏")
    [reply] = chat.say("/数据 负面占比 150%", minutes=5)
    assert reply.text == "比例不能超过 100%（“150%”）：请写成 65% 或 0.65 这样的比例"
    [reply] = chat.say("/数据 话题阅读 10万+", minutes=6)
    assert reply.text == "“10万+”是约数，不能记为数据：请写成 1200万、1.2亿、6.2w 或 1,234 这样的数"


def test_log_and_statement_are_logged_at_the_messages_time(chat):
    chat.say("/危机 开启 面霜过敏")
    [logged] = chat.say("/记录 客服开始统一口径", minutes=12)
    assert logged.text.startswith("已记入时间线（11月24日 09:12，")
    replies = chat.say("/声明 初步 我们已关注到反馈，3天内可申请全额退款", minutes=40)
    assert replies[0].text.startswith("已记录初步回应（11月24日 09:40），距危机开始40分钟")
    logged_entry, statement = entries(chat)[-2:]
    assert (logged_entry.text, logged_entry.source, as_utc(logged_entry.at)) == (
        "客服开始统一口径",
        "command",
        T0 + timedelta(minutes=12),
    )
    assert (statement.kind, statement.subkind, as_utc(statement.at)) == (
        "statement",
        "initial",
        T0 + timedelta(minutes=40),
    )
