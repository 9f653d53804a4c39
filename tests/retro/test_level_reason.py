"""Why the level changed is stored as data (issue 11): severity writes the threshold crossed on `LevelChange`
(metric, value, threshold; migration 0008) and the retro words it from a template, "话题阅读 620万 超过 500万" — no
more writing a string and parsing it back with a regex that no longer matched. A reason that is not a threshold
stays the recorded text."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from bot.core import db
from bot.core.models import OutboxMessage
from bot.timeline.models import LevelChange
from tests.retro.scripted import RetroGroup, iso, t

THRESHOLD_COLUMNS = {"metric", "value", "threshold"}


def columns(db_url: str) -> set[str]:
    engine = db.make_engine(db_url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns("level_change")}
    finally:
        engine.dispose()


def test_migration_0008_adds_the_threshold_columns_and_takes_them_back(db_url):
    db.upgrade(db_url)
    assert THRESHOLD_COLUMNS <= columns(db_url)
    command.downgrade(db.alembic_config(db_url), "0007")
    assert not THRESHOLD_COLUMNS & columns(db_url)
    assert {"from_level", "to_level", "reason"} <= columns(db_url)
    db.upgrade(db_url)
    assert THRESHOLD_COLUMNS <= columns(db_url)


def retro_markdown(group: RetroGroup) -> str:
    group.at("18:10", "/复盘", who="ou_ceo")
    with Session(group.engine) as session:
        return [row.content.decode("utf-8") for row in session.exec(select(OutboxMessage)) if row.kind == "file"][-1]


def test_a_threshold_crossed_is_stored_as_data_and_worded_in_the_json_and_the_report(group):
    group.at("09:20", "/危机 开启 面霜瑕疵被博主晒图 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    group.at("11:30", "话题阅读量破620万")  # the bundled severity: level 1 above 500万
    with Session(group.engine) as session:
        [change] = session.exec(select(LevelChange)).all()
        assert (change.metric, change.value, change.threshold) == ("topic_reads", 6_200_000, 5_000_000)
        assert (change.from_level, change.to_level, change.reason) == (2, 1, "")
    [reason] = [c["reason"] for c in group.retro()["level_changes"]]
    assert reason == "话题阅读 620万 超过 500万"
    markdown = retro_markdown(group)
    assert "二级危机 → 一级危机" in markdown and "话题阅读 620万 超过 500万" in markdown


def test_a_reason_that_is_not_a_threshold_is_shown_as_recorded(group):
    group.at("09:20", "/危机 开启 客服已读不回 类型=service_lag 级别=2 开始=09:10", who="ou_ceo")
    written = "负责人按 /危机 开启 级别=1 直接定为一级"
    with Session(group.engine) as session:
        incident = group.incident()
        session.add(LevelChange(incident_id=incident.id, at=t("09:30"), from_level=2, to_level=1, reason=written))
        session.commit()
    doc = json.loads(json.dumps(group.retro()))
    assert doc["level_changes"] == [{"at": iso("09:30"), "from": 2, "to": 1, "reason": written}]
    assert written in retro_markdown(group)
