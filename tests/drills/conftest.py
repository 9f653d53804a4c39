"""The drill tests' group: the webhook-level Feishu group on the test scenario's playbook folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drills.drill_group import CHAT, T0, scenario_folder
from tests.feishu_group import FeishuGroup
from tests.support import Clock, serve


@pytest.fixture
def folder(tmp_path) -> Path:
    return scenario_folder(tmp_path)


@pytest.fixture
def group(db_url, fake_feishu, folder):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT, playbook_dir=folder)
    with serve(made.app) as url:
        made.url = url
        yield made
