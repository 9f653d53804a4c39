"""What the drill tests share: the scenario they play, a copy of the bundled playbooks with it as the only
drill, and small readers of what the group saw and what the database holds."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from bot.core import db
from tests.feishu_group import FeishuGroup
from tests.support import BUNDLED_PLAYBOOKS, SH, table_counts

T0 = datetime(2026, 12, 15, 10, 0, tzinfo=SH)  # a Tuesday in December: the drills' own start
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
    shutil.copytree(BUNDLED_PLAYBOOKS, folder, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    shutil.rmtree(folder / "drills")
    (folder / "drills").mkdir()
    (folder / "drills" / name).write_text(text, encoding="utf-8")
    return folder


def card_title(card: dict) -> str:
    return card["content"]["header"]["title"]["content"]


def reply_text(message: dict) -> str:
    return message["content"]["text"] if message["msg_type"] == "text" else str(message["content"])


def rows(db_url: str, model):
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        found = session.exec(select(model)).all()
    engine.dispose()
    return found


def domain_counts(db_url: str) -> dict[str, int]:
    """Rows of the tables a drill command writes to (the inbox and outbox always change)."""
    counts = table_counts(db_url)
    return {table: counts[table] for table in DOMAIN_TABLES}


def injects_posted(group: FeishuGroup) -> list[str]:
    return [t for t in group.texts() if t.startswith("【演练】") and "演练第" in t]
