"""Incident commands through the real pipeline (inbox → router → outbox) on a real database:
what they record, and bad input that gets a one-line Chinese answer and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.core import db
from bot.core.models import OutboxMessage
from bot.incidents.models import Incident, RoleAssignment
from bot.library.lexicon import load as load_lexicon
from bot.steps.models import IncidentStep
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry
from tests.chat import SandboxChat
from tests.support import SH, T0, table_counts

STATE = (Incident, RoleAssignment, TimelineEntry, MetricSample, LevelChange)


@pytest.fixture
def chat(db_url) -> SandboxChat:
    made = SandboxChat(db_url)
    yield made
    made.close()


def one_line_chinese(reply: str) -> bool:
    return "\n" not in reply.strip() and any("\u4e00" <= ch <= "\u9fff" for ch in reply)


@pytest.mark.parametrize(
    ("text", "kwargs", "needle"),
    [
        ("/角色 厨师 @王运营", {"mentions": (("ou_ops", "王运营"),)}, "没有“厨师”这个角色"),
        ("/角色 运营", {}, "请 @"),
        ("/数据 话题阅读 很多", {}, "很多"),
        ("/数据 心情 620万", {}, "不认识指标"),
        ("/数据 话题阅读 620万 火星", {}, "不认识平台"),
        ("/危机 开启 面霜过敏 开始=23:59", {"minutes": 0}, None),  # 23:59 yesterday: fine, not future
        ("/危机 开启 面霜过敏 开始=2026-11-25 10:00", {}, "晚于现在"),
        ("/危机 开启 面霜过敏 级别=3", {}, "级别只能是 1 或 2"),
        ("/危机 开启 面霜过敏 类型=外星人", {}, "没有“外星人”这个预案类型"),
        ("/危机 开启", {}, "请写上事件标题"),
        ("/危机 开启 面霜过敏 颜色=红", {}, "不认识参数"),
        ("/状态", {"chat_type": "p2p"}, "只能在危机应急群里使用"),
        ("/记录 你好", {}, "没有进行中的危机事件"),
        ("/声明 随便 你好", {}, "用法"),
    ],
)
def test_bad_input_gets_one_chinese_line_and_changes_nothing(chat, text, kwargs, needle):
    if needle is None:  # the valid control case of the table
        chat.say(text, **kwargs)
        assert chat.counts(Incident)["Incident"] == 1
        return
    before = chat.counts(*STATE)
    [reply] = chat.say(text, **kwargs)
    assert needle in reply
    assert one_line_chinese(reply.text)
    assert chat.counts(*STATE) == before


def test_open_suggests_a_playbook_and_explains_why(chat):
    [card] = chat.say("/危机 开启 博主晒出面霜瑕疵和过敏照片")
    assert "产品质量问题" in card and "瑕疵" in card
    with Session(chat.engine) as session:
        incident = session.exec(select(Incident)).one()
    assert incident.playbook == "product_defect" and incident.level == 2
    assert incident.started_at == incident.opened_at == T0


def test_second_open_asks_to_close_or_open_explicitly(chat):
    chat.say("/危机 开启 第一起")
    [reply] = chat.say("/危机 开启 第二起", minutes=5)
    assert "#1" in reply and "另开=是" in reply
    assert chat.counts(Incident)["Incident"] == 1
    chat.say("/危机 开启 第二起 另开=是", minutes=6)
    assert chat.counts(Incident)["Incident"] == 2


def test_messages_in_the_thread_of_an_opening_card_belong_to_that_incident(chat):
    chat.say("/危机 开启 第一起")
    chat.say("/危机 开启 第二起 另开=是", minutes=1)
    with Session(chat.engine) as session:
        first_card = session.exec(select(OutboxMessage).where(OutboxMessage.ref == "incident:1:card")).one()
        first_card.sent_message_id = "om_card_1"  # as the transport records it once sent
        session.add(first_card)
        session.commit()
    chat.say("这条回复在第一起的卡片下", minutes=2, root_id="om_card_1")
    chat.say("这条是群里普通消息", minutes=3)
    with Session(chat.engine) as session:
        threaded = session.exec(select(TimelineEntry).where(TimelineEntry.text == "这条回复在第一起的卡片下")).one()
        plain = session.exec(select(TimelineEntry).where(TimelineEntry.text == "这条是群里普通消息")).one()
    assert threaded.incident_id == 1
    assert plain.incident_id == 2  # the most recently opened one


def test_topic_reads_above_five_million_upgrade_once(chat):
    chat.say("/角色 负责人 @周总", mentions=(("ou_ceo", "周总"),))
    chat.say("/危机 开启 面霜过敏")
    replies = chat.say("话题阅读量破620万", minutes=30)
    assert any("升级为一级危机" in r and "\ue000ou_ceo\ue001" in r for r in replies)
    assert chat.say("/数据 话题阅读 900万", minutes=40)[1:] == []
    with Session(chat.engine) as session:
        [change] = session.exec(select(LevelChange)).all()
        incident = session.exec(select(Incident)).one()
    assert (change.from_level, change.to_level, incident.level) == (2, 1, 1)
    assert change.at == T0 + timedelta(minutes=30)


def test_roster_is_kept_between_incidents(chat):
    chat.say("/角色 运营 @王运营 @赵运营", mentions=(("ou_ops", "王运营"), ("ou_ops2", "赵运营")))
    chat.say("/危机 开启 第一起", minutes=1)
    chat.say("/结束", minutes=2)
    [card] = chat.say("/危机 开启 第二起", minutes=3)
    assert "ou_ops" in card and "ou_ops2" in card and "未指定" in card


def test_statements_and_logs_are_recorded(chat):
    chat.say("/危机 开启 面霜过敏")
    reply, *notes = chat.say("/声明 初步 非常抱歉，我们正在核实", minutes=55)
    assert "初步回应" in reply and "55分钟" in reply
    assert any("已完成" in note for note in notes)  # the statement completes first_response
    chat.say("【正式声明】3天内可申请全额退款", minutes=270)
    chat.say("/记录 10:30 已联系首发博主", minutes=100)
    with Session(chat.engine) as session:
        statements = session.exec(
            select(TimelineEntry).where(TimelineEntry.kind == "statement").order_by(TimelineEntry.at)
        ).all()
        logged = session.exec(select(TimelineEntry).where(TimelineEntry.text == "已联系首发博主")).one()
    assert [(s.subkind, s.at - T0) for s in statements] == [
        ("initial", timedelta(minutes=55)),
        ("formal", timedelta(minutes=270)),
    ]
    assert logged.kind == "action" and logged.at == T0 + timedelta(minutes=90)  # its leading 10:30


def test_root_causes_are_recorded_for_the_retro(chat):
    chat.say("/危机 开启 面霜过敏")
    [surface] = chat.say("/根因 表层 博主晒出产品瑕疵", minutes=10)
    assert "深层" in surface  # a nudge to look one level deeper
    chat.say("/根因 深层 质检流程漏洞", minutes=11)
    [bad] = chat.say("/根因 随便", minutes=12)
    assert "用法" in bad
    with Session(chat.engine) as session:
        rows = session.exec(
            select(TimelineEntry)
            .where(TimelineEntry.subkind.in_(("root_surface", "root_deep")))
            .order_by(TimelineEntry.at)
        ).all()
    assert [(r.subkind, r.text) for r in rows] == [("root_surface", "博主晒出产品瑕疵"), ("root_deep", "质检流程漏洞")]


def test_action_items_are_created_updated_listed_and_reach_the_retro(chat):
    from bot.library.playbooks import load as load_playbooks
    from bot.retro import compute

    chat.say("/危机 开启 面霜过敏")
    [created] = chat.say(
        "/改进 店铺首页加质量反馈入口 @王运营 截止=2026-12-15", mentions=(("ou_ops", "王运营"),), minutes=10
    )
    assert "#1" in created and "2026-12-15" in created
    [missing] = chat.say("/改进 每月演练", minutes=11)
    assert "请 @" in missing
    [bad_date] = chat.say("/改进 每月演练 @周总 截止=明年某天", mentions=(("ou_ceo", "周总"),), minutes=12)
    assert "无法识别日期" in bad_date
    chat.say("/改进 每月组织一次危机演练 @周总", mentions=(("ou_ceo", "周总"),), minutes=13)
    [listing] = chat.say("/actions", minutes=14)
    assert "#1" in listing and "#2" in listing and "未定截止日" in listing
    [done] = chat.say("/改进 完成 2 已排进月历", minutes=15)
    assert "已完成" in done
    [deferred] = chat.say("/改进 延期 1 截止=2026-12-31", minutes=16)
    assert "2026-12-31" in deferred
    [unknown] = chat.say("/改进 完成 99", minutes=17)
    assert "没有编号" in unknown
    with Session(chat.engine) as session:
        incident = session.exec(select(Incident)).one()
        data = compute.compute(
            session,
            incident,
            library=load_playbooks(chat.settings.playbook_dir),
            lexicon=load_lexicon(chat.settings.playbook_dir),
            tz=SH,
            now=chat.clock(),
        )
    assert data["actions"] == [
        {
            "text": "店铺首页加质量反馈入口",
            "owners": ["ou_ops"],
            "owner_names": ["王运营"],  # the name the mention carried
            "due": "2026-12-31",
            "status": "open",
        },
        {"text": "每月组织一次危机演练", "owners": ["ou_ceo"], "owner_names": ["周总"], "due": None, "status": "done"},
    ]


def test_action_items_are_reminded_on_the_due_date_and_escalated_once(chat):
    from bot.scheduling import sweep

    chat.say("/角色 负责人 @周总", mentions=(("ou_ceo", "周总"),))
    chat.say("/危机 开启 面霜过敏", minutes=1)
    chat.say("/改进 店铺首页加质量反馈入口 @王运营 截止=2026-12-15", mentions=(("ou_ops", "王运营"),), minutes=2)
    chat.say("/结束", minutes=3)  # follow-ups outlive the incident
    settings = chat.settings

    def sweep_at(day: int, hour: int, minute: int = 0) -> list[str]:
        before = len(chat.texts())
        sweep.sweep(chat.engine, settings, now=datetime(2026, 12, day, hour, minute, tzinfo=SH))
        return [r for r in chat.texts()[before:] if "改进项" in r]

    assert sweep_at(15, 9, 59) == []
    [due] = sweep_at(15, 10)
    assert "今天到期" in due and "\ue000ou_ops\ue001" in due and "补发" not in due
    assert sweep_at(15, 10, 1) == []
    restarted = db.make_engine(chat.settings.database_url)  # a restart: only the DB carries over
    before = len(chat.texts())
    sweep.sweep(restarted, settings, now=datetime(2026, 12, 15, 10, 5, tzinfo=SH))
    restarted.dispose()
    assert [r for r in chat.texts()[before:] if "改进项" in r] == []
    [overdue] = sweep_at(16, 10)
    assert "已过截止日" in overdue and "\ue000ou_ceo\ue001" in overdue
    assert sweep_at(16, 11) == []
    chat.say("/改进 延期 1 截止=2026-12-20", minutes=60 * 24 * 22)
    [late] = sweep_at(20, 15)  # the new due date's reminder, sent late once (bot was down at 10:00)
    assert "今天到期" in late and "补发" in late


def test_status_card_shows_steps_and_deadlines_and_writes_nothing(chat):
    chat.say("/角色 运营 @王运营", mentions=(("ou_ops", "王运营"),))
    chat.say("/危机 开启 面霜过敏")  # level 2 at 09:00: first_response (ops) is due within 2 h
    assert chat.counts(IncidentStep)["IncidentStep"] == 0  # no sweep has run in this chat
    before = table_counts(chat.db_url)
    [card] = chat.say("/状态", minutes=10)
    assert "（first_response）· 运营 \ue000ou_ops\ue001 · 截止 11:00" in card  # its owner and deadline
    assert "（qa_report）· 质检 **未指定** · 截止 11月25日 09:00" in card  # 24 h, on the next day
    after = table_counts(chat.db_url)
    for table in ("incident_step", "incident", "timeline_entry", "role_assignment"):
        assert after[table] == before[table], table


def test_status_shows_each_platforms_latest_figure(chat):
    """/状态 with 话题阅读 on 小红书 and 抖音 shows both: the later 抖音 figure hides nothing (issue 12)."""
    chat.say("/危机 开启 面霜过敏")
    chat.say("/数据 话题阅读 320万", minutes=5)
    chat.say("抖音话题阅读量50万了", minutes=10)
    [card] = chat.say("/状态", minutes=15)
    reads = [line for line in card.text.splitlines() if "话题阅读" in line]
    assert any("320万" in line and "小红书" in line for line in reads), reads
    assert any("50万" in line and "抖音" in line for line in reads), reads
