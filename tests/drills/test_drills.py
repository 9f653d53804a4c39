"""Monthly drills (/演练): a scripted scenario played into a drill incident through the webhook and the fake Feishu
Open API with a controllable clock. Injects go out at their compressed times exactly once (also after a restart),
the team answers with the normal commands, and the drill retro scores the steps against the playbook; drill
incidents are flagged and kept out of the quarterly KPIs. Bad input gets one Chinese reply and changes nothing;
broken drill files are reported field by field by the loader and by `crisisbot check`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from bot.core import db
from bot.drills.models import DrillRun
from bot.incidents.models import Incident
from bot.library.drills import parse as parse_drills
from bot.library.playbooks import PlaybookError
from bot.library.playbooks import parse as parse_playbooks
from bot.steps.models import IncidentStep
from bot.timeline.models import MetricSample
from tests.feishu_group import FeishuGroup
from tests.support import ROOT, Clock, serve

BUNDLED = ROOT / "playbooks"
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 15, 10, 0, tzinfo=SH)
CHAT = "oc_drill"
# Metric ids of the contract (DESIGN.md), written out here rather than read from the code.
CONTRACT_METRICS = {
    "topic_reads",
    "note_exposure",
    "reposts",
    "likes",
    "comments",
    "negative_ratio",
    "complaints",
    "sales_change",
    "followers_lost",
}
DOMAIN_TABLES = ("incident", "drill_run", "timeline_entry", "metric_sample", "incident_step", "notice", "level_change")

# The scenario the end-to-end tests play (offsets in scenario minutes; speed=10 makes them real tenths).
TEST_SCENARIO = """\
version: 1
id: lotion_test
name: 测试瑕疵
title: 精华液用后红肿笔记
playbook: product_defect
level: 2
description: 测试用场景。
injects:
  - at: 0
    kind: detection
    text: 小红书用户晒出用了精华液三天后两颊红肿的对比图，评论区很多人说我也是。
  - at: 20
    kind: metric
    text: 舆情监测：首发笔记负面评论占比 35%。
    metric: {name: negative_ratio, value: 0.35}
  - at: 40
    kind: kol
    text: 成分博主（粉丝 48 万）转发首发笔记，质疑防腐体系刺激。
  - at: 50
    kind: metric
    text: 话题阅读量破 620 万，进入美妆热榜。
    metric: {name: topic_reads, value: 6200000}
  - at: 90
    kind: media
    text: 消费类媒体记者私信官方号求证是否召回。
end: 150
"""
INJECT_TEXTS = ["两颊红肿的对比图", "负面评论占比 35%", "质疑防腐体系", "话题阅读量破 620 万", "记者私信官方号"]


def scenario_folder(tmp_path: Path, text: str = TEST_SCENARIO, name: str = "lotion_test.yaml") -> Path:
    """The bundled playbooks with the test scenario as the only drill."""
    folder = tmp_path / "playbooks"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    shutil.rmtree(folder / "drills")
    (folder / "drills").mkdir()
    (folder / "drills" / name).write_text(text, encoding="utf-8")
    return folder


def card_title(card: dict) -> str:
    return card["content"]["header"]["title"]["content"]


def reply_text(message: dict) -> str:
    return message["content"]["text"] if message["msg_type"] == "text" else str(message["content"])


@pytest.fixture
def folder(tmp_path) -> Path:
    return scenario_folder(tmp_path)


@pytest.fixture
def group(db_url, fake_feishu, folder):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT, playbook_dir=folder)
    with serve(made.app) as url:
        made.url = url
        yield made


def rows(db_url: str, model):
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(model)).all()
    engine.dispose()
    return found


def domain_counts(db_url: str) -> dict[str, int]:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in DOMAIN_TABLES}
    engine.dispose()
    return counts


def injects_posted(group: FeishuGroup) -> list[str]:
    return [t for t in group.texts() if t.startswith("【演练】") and "演练第" in t]


# --- the bundled scenarios -----------------------------------------------------------------------------------------


def test_bundled_drill_scenarios_follow_the_schema():
    drills = parse_drills(BUNDLED)
    library = parse_playbooks(BUNDLED)
    by_name = {s.name: s for s in drills.scenarios.values()}
    assert {"产品瑕疵", "竞品抹黑"} <= set(by_name)  # the two scenarios the method names
    assert by_name["产品瑕疵"].playbook == "product_defect" and by_name["竞品抹黑"].playbook == "competitor_smear"
    for scenario in drills.scenarios.values():
        assert scenario.playbook in library.playbooks
        offsets = [inject.at for inject in scenario.injects]
        assert offsets == sorted(offsets) and offsets[0] == 0 and scenario.end >= offsets[-1]
        metrics = [inject.metric for inject in scenario.injects if inject.metric]
        assert {m.name for m in metrics} <= CONTRACT_METRICS
        # Every scenario exercises the real severity rules: the 20% alert and the 5,000,000-reads level 1.
        assert any(m.name == "negative_ratio" and m.value > 0.20 for m in metrics), scenario.id
        assert any(m.name == "topic_reads" and m.value > 5_000_000 for m in metrics), scenario.id
        for inject in scenario.injects:  # a "#" after a space in plain YAML starts a comment: texts stay whole
            assert len(inject.text) >= 15 and "小红书" in "".join(i.text for i in scenario.injects), inject.text


# --- end to end ----------------------------------------------------------------------------------------------------


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
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT, playbook_dir=BUNDLED)
    scenario = parse_drills(BUNDLED).find("竞品抹黑")
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


# --- refusals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, needle",
    [
        ("/演练 开始 产品召回 速度=10", "没有“产品召回”这个演练场景。可用：测试瑕疵（lotion_test）"),
        ("/演练 开始 测试瑕疵 速度=0", "速度“0”不对"),
        ("/演练 开始 测试瑕疵 速度=61", "速度“61”不对"),
        ("/drill start lotion_test speed=快", "速度“快”不对"),
        ("/演练 开始", "用法：/演练 开始"),
        ("/演练 开始 测试瑕疵 节奏=10", "不认识参数 节奏="),
        ("/演练 结束", "没有进行中的演练"),
    ],
)
def test_bad_drill_commands_get_one_chinese_reply_and_change_nothing(group, command, needle):
    before = domain_counts(group.db_url)
    [reply] = group.say("ou_ceo", command)
    assert needle in reply_text(reply)
    assert domain_counts(group.db_url) == before


def test_a_second_drill_or_a_drill_during_a_real_incident_is_refused(group):
    group.say("ou_ceo", "/演练 开始 测试瑕疵 速度=10")
    group.at(T0)
    before = domain_counts(group.db_url)
    [reply] = group.say("ou_ceo", "/演练 开始 测试瑕疵")
    assert "已有进行中的演练" in reply_text(reply) and "【演练】测试瑕疵" in reply_text(reply)
    assert domain_counts(group.db_url) == before

    group.say("ou_ceo", "/演练 结束")
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    group.at(T0)  # the new incident's role cards
    before = domain_counts(group.db_url)
    [reply] = group.say("ou_ceo", "/演练 开始 测试瑕疵")
    assert "真实事件" in reply_text(reply) and "面霜过敏笔记" in reply_text(reply)
    assert domain_counts(group.db_url) == before


def test_drill_list_names_the_scenarios(group):
    [reply] = group.say("ou_ops", "/演练 列表")
    assert "测试瑕疵（lotion_test）" in reply_text(reply) and "5 条情报" in reply_text(reply)


# --- KPIs ----------------------------------------------------------------------------------------------------------


def test_drill_incidents_stay_out_of_the_quarterly_review(group):
    from bot.clock.quarters import Quarter
    from bot.followups import review

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
            tz=SH,
            now=T0 + timedelta(days=1),
            chat_id=CHAT,
        )
    engine.dispose()
    assert data["incidents"] == [] and data["drills_excluded"] == 1


# --- broken drill files ----------------------------------------------------------------------------------------------


def variant(file_id: str, name: str, old: str, new: str) -> str:
    """The test scenario renamed to `file_id` / `name`, with one edit."""
    renamed = TEST_SCENARIO.replace("id: lotion_test", f"id: {file_id}").replace("name: 测试瑕疵", f"name: {name}")
    return renamed.replace(old, new)


BROKEN = {
    "out_of_order.yaml": (
        variant("out_of_order", "乱序", "  - at: 40", "  - at: 10"),
        "out_of_order.yaml: injects[2].at: 10 comes before the previous inject (20)",
    ),
    "bad_metric.yaml": (
        variant("bad_metric", "坏指标", "name: negative_ratio, value: 0.35", "name: views, value: 35"),
        "bad_metric.yaml: injects[1].metric.name: unknown metric 'views'",
    ),
    "percent.yaml": (
        variant("percent", "百分比", "value: 0.35", "value: 35"),
        "percent.yaml: injects[1].metric: negative_ratio is a fraction from 0 to 1",
    ),
    "no_playbook.yaml": (
        variant("no_playbook", "无预案", "playbook: product_defect", "playbook: recall"),
        "no_playbook.yaml: playbook: unknown playbook 'recall'",
    ),
    "early_end.yaml": (
        variant("early_end", "早结束", "end: 150", "end: 60"),
        "early_end.yaml: end: 60 is before the last inject (90)",
    ),
    "no_metric.yaml": (
        variant("no_metric", "缺数据", "    metric: {name: topic_reads, value: 6200000}\n", ""),
        "no_metric.yaml: injects[3]: an inject of kind metric needs a metric",
    ),
    "bad_yaml.yaml": ("id: bad_yaml\ninjects: [unclosed\n", "bad_yaml.yaml: line 3, column 1: YAML syntax"),
}


def broken_folder(tmp_path: Path) -> Path:
    folder = scenario_folder(tmp_path)
    for name, (text, _) in BROKEN.items():
        (folder / "drills" / name).write_text(text, encoding="utf-8")
    return folder


def test_broken_drill_files_are_reported_with_file_field_and_reason(tmp_path):
    folder = broken_folder(tmp_path)
    with pytest.raises(PlaybookError) as caught:
        parse_drills(folder)
    lines = str(caught.value).splitlines()
    for _, expected in BROKEN.values():
        assert any(expected in line for line in lines), expected
    assert not any("lotion_test.yaml" in line for line in lines)  # the good file is not blamed


def test_crisisbot_check_fails_on_a_broken_drill_file(tmp_path):
    folder = broken_folder(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEISHU_", "DATABASE_URL", "PLAYBOOK_DIR"))}
    env.update(PYTHONPATH=str(ROOT), PLAYBOOK_DIR=str(folder))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"playbook: {folder / 'drills' / 'out_of_order.yaml'}: injects[2].at: 10 comes before" in result.stderr
    assert "early_end.yaml: end: 60 is before the last inject (90)" in result.stderr
    good = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env={**env, "PLAYBOOK_DIR": str(scenario_folder(tmp_path / "good"))},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr


def test_drill_schedule_sets_the_monthly_reminder_of_the_group(group):
    from bot.followups.models import GroupSchedule

    [reply] = group.say("ou_ceo", "/演练 设置 日=20 时间=15:00")
    assert "每月 20 日 15:00" in reply_text(reply) and "2026-12-21 15:00" in reply_text(reply)  # the 20th is a Sunday
    [row] = rows(group.db_url, GroupSchedule)
    assert (row.drill_day, row.drill_time) == (20, "15:00")
    [reply] = group.say("ou_ceo", "/演练 设置 日=31")
    assert "用法：/演练 设置" in reply_text(reply)
    [row] = rows(group.db_url, GroupSchedule)
    assert row.drill_day == 20
    [reply] = group.say("ou_ceo", "/演练 设置 关闭")
    assert "已关闭" in reply_text(reply) and rows(group.db_url, GroupSchedule)[0].drill_day == 0
