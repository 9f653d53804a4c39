"""A drill run (/演练 开始): a scripted scenario played into a drill incident through the webhook and the fake
Feishu Open API with a controllable clock. Injects go out at their compressed times exactly once (also after a
restart), the team answers with the normal commands, the drill retro scores the steps against the playbook, and
drill incidents are flagged and kept out of the quarterly KPIs."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot.clock.quarters import Quarter
from bot.core import db
from bot.drills.models import DrillRun
from bot.followups import review
from bot.incidents.models import Incident
from bot.library.drills import parse as parse_drills
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import parse as parse_playbooks
from bot.steps.models import IncidentStep
from bot.timeline.models import MetricSample
from tests.drills.drill_group import CHAT, INJECT_TEXTS, T0, card_title, injects_posted, reply_text, rows
from tests.feishu_group import FeishuGroup
from tests.support import BUNDLED_PLAYBOOKS, SH, Clock, serve


def test_compressed_drill_runs_end_to_end_and_is_scored_against_the_playbook(db_url, fake_feishu, folder):
    clock = Clock(T0)
    minute = timedelta(minutes=1)
    first = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT, playbook_dir=folder)
    with serve(first.app) as url:
        first.url = url
        first.assign_everyone()
        started = first.say("ou_ceo", "/演练 开始 测试瑕疵 速度=10")
        assert any("【演练】测试瑕疵" in str(m["content"]) for m in started)
        first.at(T0)
        assert len(injects_posted(first)) == 1 and INJECT_TEXTS[0] in injects_posted(first)[0]
        assert "演练第 0 分钟" in injects_posted(first)[0]

        # scenario minute 10 = real minute 1: the initial response
        clock.now = T0 + 1 * minute
        first.say("ou_ops", "/声明 初步 看到大家的反馈真的很抱歉，我们已经在联系晒图的用户，这批货马上送检")
        # inject at scenario 20 = real 2 min: not before, once at it
        first.at(T0 + 2 * minute - timedelta(seconds=1))
        assert len(injects_posted(first)) == 1
        first.at(T0 + 2 * minute)
        assert len(injects_posted(first)) == 2 and INJECT_TEXTS[1] in injects_posted(first)[1]
        assert any(t.startswith("🔔") and "35%" in t for t in first.texts())  # the usual negative alert
        # scenario minute 30: support opens the channel (its done_when phrase)
        clock.now = T0 + 3 * minute
        first.say("ou_cs", "已开通专项客服通道，私信关键词“过敏”直达")
        first.at(T0 + 4 * minute)
        assert len(injects_posted(first)) == 3
    # the bot is down from real minute 4 to 9.5: the injects at scenario 50 and 90 come once, after the restart
    clock.now = T0 + 9 * minute + timedelta(seconds=30)
    second = FeishuGroup(db_url, fake_feishu, clock, chat_id=CHAT, playbook_dir=folder)
    with serve(second.app) as url:
        second.url = url
        second.at(clock.now)
        second.at(clock.now + timedelta(seconds=20))
        posted = injects_posted(second)
        assert len(posted) == 5
        assert "演练第 50 分钟" in posted[3] and "补发" in posted[3]  # 4.5 real minutes late
        assert "演练第 90 分钟" in posted[4] and "补发" not in posted[4]  # 30 s late
        assert any("升级为一级危机" in t for t in second.texts())  # the 620万 reads raised the level
        # scenario minute 100: the briefing the level-1 upgrade required (due at 60) is late
        clock.now = T0 + 10 * minute
        second.say("ou_ops", "/完成 lead_briefing")
        # scenario minute 120: the formal statement with a concrete remedy
        clock.now = T0 + 12 * minute
        second.say(
            "ou_mkt", "/声明 正式 涉事批次 3天内可申请全额退款，私信客服专项通道即可办理，检测报告出来后第一时间公布"
        )
        second.at(T0 + 15 * minute - timedelta(seconds=1))
        assert not any("演练复盘" in card_title(c) for c in second.cards())
        second.at(T0 + 15 * minute)  # scenario minute 150: the end
        second.at(T0 + 16 * minute)  # a later sweep ends nothing twice

        for text in INJECT_TEXTS:
            assert sum(text in t for t in injects_posted(second)) == 1, text
        retros = [c for c in second.cards() if "演练复盘" in card_title(c)]
        assert len(retros) == 1
        # By hand, from the playbook product_defect and the times above (scenario minutes = real minutes × 10):
        # first_response done 10, due 120 (level 2 when done) → met; cs_channel done 30, due 240 (level 2) → met;
        # lead_briefing (level 1 only) done 100, due 60 → missed; formal_statement done 120, due 240 (level 1) → met;
        # qa_trace due 180 (level 1), segment_reply 360, qa_report 1440, kol_clarify 2160: after the end at 150,
        # not done → not scored. Score 3 of 4 = 75.
        assert "75" in card_title(retros[0])
        body = str(retros[0]["content"])
        for expected in (
            "第 10 分钟完成，预案要求 120 分钟内",
            "第 30 分钟完成，预案要求 240 分钟内",
            "第 100 分钟完成，预案要求 60 分钟内（超时）",
            "第 120 分钟完成，预案要求 240 分钟内",
            "未完成，预案要求 180 分钟内（演练结束时未到期，不计分）",
            "3/4",
            "首次对外回应：第 10 分钟",
        ):
            assert expected in body, expected
        usual = [c for c in second.cards() if card_title(c).startswith("复盘") and "【演练】" in card_title(c)]
        assert len(usual) == 1  # the usual retro goes out too, marked as a drill
        assert sum(m["msg_type"] == "file" for m in second.fake.sent_messages) == 1

    [incident] = rows(db_url, Incident)
    assert incident.is_drill and incident.time_scale == 10 and incident.title.startswith("【演练】")
    assert incident.status == "closed" and incident.closed_at == T0 + 15 * minute
    [run] = rows(db_url, DrillRun)
    assert (run.status, run.speed, run.finished_at) == ("finished", 10, T0 + 15 * minute)
    samples = {(s.metric, s.value, s.at) for s in rows(db_url, MetricSample)}
    assert samples == {("negative_ratio", 0.35, T0 + 2 * minute), ("topic_reads", 6_200_000, T0 + 5 * minute)}
    steps = {s.step_id: s for s in rows(db_url, IncidentStep)}
    assert steps["formal_statement"].due_at == T0 + 24 * minute  # 4 h at level 1, compressed 10×


def test_drill_stop_ends_it_once_and_no_inject_follows(group):
    group.assign_everyone()
    group.say("ou_ceo", "/演练 开始 lotion_test 速度=10")
    group.at(T0 + timedelta(minutes=2))
    group.clock.now = T0 + timedelta(minutes=3)
    replies = group.say("ou_ceo", "/演练 结束")
    assert sum("演练复盘" in card_title(m) for m in replies if m["msg_type"] == "interactive") == 1
    assert any(m["msg_type"] == "file" for m in replies)
    group.at(T0 + timedelta(minutes=20))  # past every inject and the end
    assert len(injects_posted(group)) == 2
    [run] = rows(group.db_url, DrillRun)
    assert (run.status, run.finished_at) == ("stopped", T0 + timedelta(minutes=3))
    [reply] = group.say("ou_ceo", "/演练 结束")
    assert "没有进行中的演练" in reply_text(reply)
    assert sum("演练复盘" in card_title(c) for c in group.cards()) == 1


def test_closing_the_drill_incident_with_the_usual_command_ends_the_drill(group):
    group.say("ou_ceo", "/演练 开始 测试瑕疵 速度=10")
    group.at(T0)
    group.clock.now = T0 + timedelta(minutes=1)
    titles = [card_title(m) for m in group.say("ou_ceo", "/结束") if m["msg_type"] == "interactive"]
    assert sum("演练复盘" in t for t in titles) == 1 and any(t.startswith("复盘") for t in titles)
    group.at(T0 + timedelta(minutes=30))
    assert len(injects_posted(group)) == 1
    assert sum("演练复盘" in card_title(c) for c in group.cards()) == 1
    [run] = rows(group.db_url, DrillRun)
    assert run.status == "stopped"


def test_the_bundled_competitor_smear_drill_plays_to_its_end(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT, playbook_dir=BUNDLED_PLAYBOOKS)
    scenario = parse_drills(BUNDLED_PLAYBOOKS).find("竞品抹黑")
    with serve(made.app) as url:
        made.url = url
        made.say("ou_ceo", "/演练 开始 竞品抹黑 速度=60")
        for inject in scenario.injects:
            made.at(T0 + timedelta(minutes=inject.at / 60))
        made.at(T0 + timedelta(minutes=scenario.end / 60))
        posted = injects_posted(made)
        assert len(posted) == len(scenario.injects)
        assert all("补发" not in t for t in posted)
        assert sum("演练复盘" in card_title(c) for c in made.cards()) == 1
    [incident] = rows(db_url, Incident)
    assert incident.is_drill and incident.level == 1 and incident.playbook == "competitor_smear"


def test_drill_incidents_stay_out_of_the_quarterly_review(group):
    group.assign_everyone()
    group.say("ou_ceo", "/演练 开始 测试瑕疵 速度=10")
    group.clock.now = T0 + timedelta(minutes=1)
    group.say("ou_ops", "/声明 初步 非常抱歉，我们正在联系晒图的用户")
    group.at(T0 + timedelta(minutes=15))
    engine = db.make_engine(group.db_url)
    with Session(engine) as session:
        data = review.compute(
            session,
            quarter=Quarter.of(T0.date()),
            library=parse_playbooks(group.runtime.settings.playbook_dir),
            lexicon=load_lexicon(group.runtime.settings.playbook_dir),
            tz=SH,
            now=T0 + timedelta(days=1),
            chat_id=CHAT,
        )
    engine.dispose()
    assert data["incidents"] == [] and data["drills_excluded"] == 1
