"""A broken playbook edit never takes the bot down: the last good version stays active and the
group is told once; /预案 重新加载 (lead only) validates and reports."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.core import db, inbox
from bot.core.models import OutboxMessage
from bot.core.processing import Processor
from bot.sandbox import events as sandbox_events
from bot.scheduling import sweep as prompts
from handlers import build_router
from tests.support import BUNDLED_PLAYBOOKS, make_settings

BUNDLED = BUNDLED_PLAYBOOKS
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def setup(tmp_path, db_url):
    folder = tmp_path / "playbooks"
    shutil.copytree(BUNDLED, folder)
    settings = make_settings(db_url, playbook_dir=folder)
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    processor = Processor(engine, settings, build_router(), {"sandbox": sandbox_events.to_event}, now_fn=lambda: T0)
    return folder, settings, engine, processor


def say(engine, processor, n: int, text: str, who: str = "ou_ceo", mentions=()) -> list[str]:
    payload = {
        "type": "message",
        "event_id": f"ev{n}",
        "message_id": f"om{n}",
        "chat_id": "oc_1",
        "sender_id": who,
        "text": text,
        "create_time_ms": int(T0.timestamp() * 1000) + n,
        "mentions": [{"user_id": u, "name": name, "offset": text.index("@" + name)} for u, name in mentions],
    }
    inbox.record(engine, source="sandbox", keys=sandbox_events.keys(payload), payload=payload)
    before = len(texts(engine))
    processor.process_due()
    return texts(engine)[before:]


def texts(engine) -> list[str]:
    with Session(engine) as session:
        return [json.loads(r.payload)["text"] for r in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


def break_file(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("role: ops", "role: operator", 1), encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))  # a new mtime even on coarse file systems


def test_broken_edit_keeps_the_last_good_version_and_tells_the_group_once(tmp_path, db_url):
    folder, settings, engine, processor = setup(tmp_path, db_url)
    say(engine, processor, 1, "/危机 开启 面霜过敏")
    prompts.sweep(engine, settings, now=T0 + timedelta(minutes=1))
    break_file(folder / "product_defect.yaml")
    for minute in (2, 3):
        prompts.sweep(engine, settings, now=T0 + timedelta(minutes=minute))
    told = [t for t in texts(engine) if "预案文件改坏了" in t]
    assert len(told) == 1 and "product_defect.yaml" in told[0] and "operator" in told[0]
    # still working on the last good version: reminders keep coming
    assert prompts.sweep(engine, settings, now=T0 + timedelta(hours=2)) > 0


def test_reload_is_for_the_lead_and_reports_problems(tmp_path, db_url):
    folder, settings, engine, processor = setup(tmp_path, db_url)
    [refused] = say(engine, processor, 1, "/预案 重新加载", who="ou_ops")
    assert "只有负责人" in refused
    say(engine, processor, 2, "/角色 负责人 @周总", mentions=[("ou_ceo", "周总")])
    [ok] = say(engine, processor, 3, "/预案 重新加载")
    assert "全部校验通过" in ok
    break_file(folder / "service_lag.yaml")
    [failed] = say(engine, processor, 4, "/预案 重新加载")
    assert "service_lag.yaml" in failed and "上一版" in failed
    [listing] = say(engine, processor, 5, "/预案 列表")
    assert "service_lag" in listing  # the last good version is still listed
