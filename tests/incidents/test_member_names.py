"""Feishu events carry no sender names: the bot looks the group's members up through the Open API (chat members) on
its periodic sweep — outside any event's processing — caches the names, and every report and the retro JSON name
people, never a bare ou_ id whose name is known (issue 14). A failed lookup shows the id and the replies still go
out; names are looked up once per chat per expiry, however many messages arrive."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from bot.core import db
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.retro import compute as retro
from tests.fakes.feishu_webhook import _envelope
from tests.feishu_group import FeishuGroup
from tests.support import BUNDLED_PLAYBOOKS, SH, VERIFICATION_TOKEN, Clock, serve, wait_until

CHAT = "oc_names"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=SH)
MEMBERS = {"ou_ceo": "周总", "ou_ops": "王运营", "ou_mkt": "李市场", "ou_cs": "张客服"}


@pytest.fixture
def group(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT)
    with serve(made.app) as url:
        made.url = url
        yield made


def member_lookups(fake) -> int:
    return len(fake.calls_to(f"/open-apis/im/v1/chats/{CHAT}/members"))


def retro_json(group: FeishuGroup) -> dict:
    engine = db.make_engine(group.db_url)
    with Session(engine) as session:
        incident = retro.latest_for_chat(session, CHAT)
        doc = retro.compute(
            session,
            incident,
            library=load_playbooks(BUNDLED_PLAYBOOKS),
            lexicon=load_lexicon(BUNDLED_PLAYBOOKS),
            tz=SH,
            now=group.clock.now,
        )
    engine.dispose()
    return doc


def play(group: FeishuGroup) -> None:
    group.say("ou_ceo", "/角色 运营 @_user_1", [("ou_ops", "王运营")])  # the roster: no lookup needed for 王运营
    group.say("ou_ceo", "/危机 开启 面霜结块被博主晒图")
    group.at(T0 + timedelta(minutes=1))  # the sweep looks the members up
    group.clock.now = T0 + timedelta(minutes=20)
    group.say("ou_mkt", "博主那边我去沟通，先别在评论区争论")
    group.say("ou_cs", "客服已经收到十几条私信了")
    group.say("ou_ops", "/声明 初步 真的很抱歉，这批面霜结块是我们的问题，私信我们订单号，3天内全额退款。")
    group.say("ou_ceo", "/改进 客服私信分流 @_user_1 截止=2026-12-31", [("ou_cs", "张客服")])
    group.say("ou_ceo", "/结束")


def test_reports_and_the_retro_json_name_every_member_the_chat_knows(group, fake_feishu):
    fake_feishu.chats[CHAT] = [{"member_id": uid, "name": name} for uid, name in MEMBERS.items()]
    play(group)
    doc = retro_json(group)
    authors = {(e["author"], e["author_name"]) for e in doc["timeline"] if e["author"]}
    assert ("ou_mkt", "李市场") in authors and ("ou_cs", "张客服") in authors and ("ou_ceo", "周总") in authors
    assert all(name == MEMBERS[uid] for uid, name in authors if uid in MEMBERS)
    first = next(step for step in doc["steps"] if step["id"] == "first_response")
    assert first["owners"] == ["ou_ops"] and first["owner_names"] == ["王运营"]
    [action] = doc["actions"]
    assert action["owner_names"] == ["张客服"]
    # The Markdown report forwarded to the CEO: names, and no ou_ id of a member whose name is known.
    markdown = [m for m in fake_feishu.sent_messages if m["msg_type"] == "file"][-1]
    text = fake_feishu.uploads[markdown["content"]["file_key"]]["data"].decode("utf-8")
    assert "王运营" in text and "张客服" in text  # the step owner and the action owner
    assert not any(uid in text for uid in MEMBERS), [uid for uid in MEMBERS if uid in text]
    # Seven messages from four people: the member list was asked for once.
    assert member_lookups(fake_feishu) == 1


def test_a_failed_lookup_shows_the_id_and_the_reply_still_goes_out(group, fake_feishu):
    # The bot is not a member of the chat as the fake's member list sees it: the lookup fails.
    group.say("ou_ceo", "/危机 开启 面霜结块被博主晒图")
    group.at(T0 + timedelta(minutes=1))  # the lookup fails
    replies = group.say("ou_mkt", "/状态")
    assert replies, "the reply went out"
    group.say("ou_mkt", "博主那边我去沟通")
    group.at(T0 + timedelta(minutes=5))  # within the back-off: not asked again
    doc = retro_json(group)
    authors = {e["author"]: e["author_name"] for e in doc["timeline"] if e["author"]}
    assert authors["ou_mkt"] == "ou_mkt"
    assert member_lookups(fake_feishu) == 1, [c.path for c in fake_feishu.calls]


def test_members_joining_make_the_next_message_look_the_chat_up_again(group, fake_feishu):
    fake_feishu.chats[CHAT] = [{"member_id": "ou_ceo", "name": "周总"}]
    group.say("ou_ceo", "/危机 开启 面霜结块被博主晒图")
    group.at(T0 + timedelta(minutes=1))
    group.at(T0 + timedelta(minutes=2))  # fresh: not asked again
    assert member_lookups(fake_feishu) == 1
    fake_feishu.chats[CHAT].append({"member_id": "ou_new", "name": "新同事小林"})
    joined = _envelope(
        "im.chat.member.user.added_v1",
        "ev_join_1",
        VERIFICATION_TOKEN,
        {"chat_id": CHAT, "users": [{"name": "新同事小林", "user_id": {"open_id": "ou_new"}}]},
        int(group.clock.now.timestamp() * 1000),
    )
    assert group.post(joined).status_code == 200
    assert wait_until(group.idle)
    group.at(T0 + timedelta(minutes=3))  # the join made the list due again
    group.say("ou_new", "大家好，我来帮忙盯评论区")
    assert member_lookups(fake_feishu) == 2
    doc = retro_json(group)
    assert {e["author"]: e["author_name"] for e in doc["timeline"]}["ou_new"] == "新同事小林"
