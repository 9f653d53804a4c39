"""Action items from cards, through the signed webhook and the fake Open API: one click on the retro card turns a
recommendation into an item owned by the role's members; the /actions card completes and defers items in place."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from sqlmodel import Session, select

from bot.core import db
from bot.followups.models import ActionItem
from tests.fakes.feishu_webhook import card_action_event
from tests.feishu_group import PEOPLE, FeishuGroup
from tests.support import BUNDLED_PLAYBOOKS, SH, T0, VERIFICATION_TOKEN, Clock, serve, wait_until

CHAT = "oc_actions"
RECOMMENDATIONS = yaml.safe_load((BUNDLED_PLAYBOOKS / "retro" / "recommendations.yaml").read_text(encoding="utf-8"))[
    "recommendations"
]


@pytest.fixture
def group(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def buttons_of(card: dict) -> list[dict]:
    return [
        el["behaviors"][0]["value"]
        for column_set in card["content"]["body"]["elements"]
        if column_set["tag"] == "column_set"
        for column in column_set["columns"]
        for el in column["elements"]
        if el.get("behaviors") and "value" in el["behaviors"][0]
    ]


def click(group: FeishuGroup, card: dict, value: dict, *, who: str = "ou_ceo", n: int = 0) -> None:
    event = card_action_event(
        event_id=f"ev_click_{value['action']}_{n}_{group.clock.now.timestamp()}",
        open_id=who,
        chat_id=CHAT,
        message_id=card["message_id"],
        value=value,
        token=VERIFICATION_TOKEN,
    )
    event["header"]["create_time"] = str(int(group.clock.now.timestamp() * 1000))
    assert group.post(event).status_code == 200
    assert wait_until(group.idle)


def items(group: FeishuGroup) -> list[ActionItem]:
    engine = db.make_engine(group.db_url)
    with Session(engine) as session:
        found = session.exec(select(ActionItem).order_by(ActionItem.id)).all()
    engine.dispose()
    return list(found)


def retro_card(group: FeishuGroup) -> dict:
    return [c for c in group.cards() if "复盘" in c["content"]["header"]["title"]["content"]][-1]


def test_retro_recommendation_becomes_an_item_in_one_click(group):
    group.assign_everyone()
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    group.clock.now = T0 + timedelta(minutes=150)  # no response at all: the first response was missed
    group.say("ou_ceo", "/结束")
    card = retro_card(group)
    offers = [v for v in buttons_of(card) if v["action"] == "retro_to_action"]
    assert 1 <= len(offers) <= 3
    first = offers[0]
    recommendation = RECOMMENDATIONS[first["rec"]]
    assert recommendation["title"][:12] in str(card["content"])

    group.clock.now = T0 + timedelta(days=1)
    click(group, card, first)
    click(group, card, first, n=1)  # a second click records nothing new
    [item] = items(group)
    owner_role = recommendation.get("role") or "lead"
    assert item.text == recommendation["title"]
    assert item.owners == f'["{PEOPLE[owner_role][0]}"]'
    assert item.due == (T0 + timedelta(days=1)).astimezone(SH).date() + timedelta(days=recommendation["within_days"])
    assert sum(f"#{item.id}" in t and "已记录改进项" in t for t in group.texts()) == 1
    assert any("已经是改进项" in t for t in group.texts())


def test_action_list_card_completes_and_defers_in_place(group):
    group.assign_everyone()
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    group.say("ou_ceo", "/改进 店铺首页加质量反馈入口 @_user_1 截止=2026-12-15", [("ou_ops", "王运营")])
    group.say("ou_ceo", "/改进 每月组织一次危机演练 @_user_1 截止=2026-12-01", [("ou_ceo", "周总")])
    group.say("ou_ceo", "/actions")
    card = group.cards()[-1]
    values = buttons_of(card)
    first, second = items(group)
    done = next(v for v in values if v["action"] == "action_done" and v["item"] == first.id)
    defer = next(v for v in values if v["action"] == "action_defer" and v["item"] == second.id)
    click(group, card, done, who="ou_ops")
    click(group, card, done, who="ou_ops", n=1)
    click(group, card, defer)
    first, second = items(group)
    assert first.status == "done" and second.status == "open"
    assert second.due.isoformat() == "2026-12-08"  # a week later
    updates = [u for u in group.fake.card_updates if u["message_id"] == card["message_id"]]
    assert len(updates) == 2  # the double click changed nothing
    assert "店铺首页" not in str(updates[-1]["content"]) and "每月组织" in str(updates[-1]["content"])
    assert sum(f"#{first.id}" in t and "已完成" in t for t in group.texts()) == 1


def test_a_recommendation_without_anyone_in_the_role_asks_for_the_role(group):
    group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
    group.clock.now = T0 + timedelta(minutes=150)
    group.say("ou_ceo", "/结束")
    card = retro_card(group)
    offer = next(v for v in buttons_of(card) if v["action"] == "retro_to_action")
    click(group, card, offer)
    assert items(group) == []
    assert any("/角色" in t and "还没有指定" in t for t in group.texts())
