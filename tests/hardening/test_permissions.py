"""Issue 15, item 3: closing, dropping others' items, schedules, drills, playbook reload and roles belong to the
lead (playbooks/access/permissions.yaml); a refused member is told who can; /结束 by a member asks the lead on a
card; with no lead yet, only the Feishu group's owner (chat API) may name one."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.incidents.models import Incident
from tests.fakes.feishu_webhook import card_action_event
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, serve, wait_until

CHAT = "oc_permissions"


def closed(group) -> bool:
    with Session(group.runtime.engine) as session:
        return session.get(Incident, 1).closed_at is not None


@pytest.fixture
def group(db_url, fake_feishu):
    fake_feishu.owners[CHAT] = "ou_ceo"
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def test_only_the_owner_names_the_first_lead_and_only_the_lead_manages(group):
    assert "只有群主" in group.say("ou_ops", "/角色 负责人 @_user_1", [("ou_ops", "王运营")])[0]["content"]["text"]
    group.assign_everyone()  # the owner names the lead, the lead the rest
    group.say("ou_ceo", "/危机 开启 面霜过敏 级别=1")
    group.say("ou_ceo", "/改进 完善质检流程 @_user_1", [("ou_qa", "陈质检")])
    for text in ("/改进 取消 1", "/季度复盘 设置 关闭", "/演练 设置 关闭", "/预案 重新加载", "/演练 结束"):
        [reply] = group.say("ou_ops", text)
        assert reply["content"]["text"].startswith("只有负责人可以") and "周总" in reply["content"]["text"], text
    [reply] = group.say("ou_ops", "/角色 负责人 @_user_1", [("ou_ops", "王运营")])
    assert "只有负责人可以指定角色" in reply["content"]["text"]

    [card] = group.say("ou_ops", "/结束")
    assert card["msg_type"] == "interactive" and "确认结束" in str(card["content"])
    assert not closed(group)
    press = lambda who, n: card_action_event(  # noqa: E731
        event_id=f"ev_close_{n}",
        open_id=who,
        chat_id=CHAT,
        message_id="om_card",
        value={"action": "close_confirm", "incident": 1},
        token="vtoken",
    )
    assert group.post(press("ou_ops", 1)).status_code == 200
    assert group.post(press("ou_ceo", 2)).status_code == 200
    assert wait_until(lambda: closed(group))
