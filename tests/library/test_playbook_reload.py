"""A broken playbook edit never takes the bot down: the last good version stays active and the
group is told once; /预案 重新加载 (lead only) validates and reports."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scheduling import sweep
from tests.chat import SandboxChat
from tests.support import T0, Clock


@pytest.fixture
def team_chat(db_url, playbook_copy):
    driver = SandboxChat(db_url, clock=Clock(T0), playbook_dir=playbook_copy)
    yield driver
    driver.close()


def break_file(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("role: ops", "role: operator", 1), encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))  # a new mtime even on coarse file systems


def test_broken_edit_keeps_the_last_good_version_and_tells_the_group_once(team_chat, playbook_copy):
    engine, settings = team_chat.engine, team_chat.settings
    team_chat.say("/危机 开启 面霜过敏")
    sweep.sweep(engine, settings, now=T0 + timedelta(minutes=1))
    break_file(playbook_copy / "product_defect.yaml")
    for minute in (2, 3):
        sweep.sweep(engine, settings, now=T0 + timedelta(minutes=minute))
    told = [t for t in team_chat.texts() if "预案文件改坏了" in t]
    assert len(told) == 1 and "product_defect.yaml" in told[0] and "operator" in told[0]
    # still working on the last good version: reminders keep coming
    assert sweep.sweep(engine, settings, now=T0 + timedelta(hours=2)) > 0


def test_reload_is_for_the_lead_and_reports_problems(team_chat, playbook_copy):
    team_chat.say("/角色 负责人 @周总", mentions=(("ou_ceo", "周总"),))
    [refused] = team_chat.say("/预案 重新加载", who="ou_ops")  # the group has a lead: it is the lead's to do
    assert "只有负责人" in refused
    [ok] = team_chat.say("/预案 重新加载")
    assert "全部校验通过" in ok
    break_file(playbook_copy / "service_lag.yaml")
    [failed] = team_chat.say("/预案 重新加载")
    assert "service_lag.yaml" in failed and "上一版" in failed
    [listing] = team_chat.say("/预案 列表")
    assert "service_lag" in listing  # the last good version is still listed
