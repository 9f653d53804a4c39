"""Routing commands by English or Chinese name, mentions, help and hints for unknown commands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.messages import Ignored, Inbound, Mention
from bot.core.router import Commands, Context, Router, split_command
from bot.feishu import events as feishu_events
from handlers import build_router
from handlers import help as help_module
from tests.fakes.feishu_webhook import card_action_event, message_event
from tests.support import make_settings

NOW = datetime(2026, 11, 24, 1, 10, tzinfo=UTC)


def inbound(text: str, mentions=(), chat_type="group") -> Inbound:
    return Inbound(
        event_id="e",
        message_id="om_1",
        chat_id="oc_1",
        chat_type=chat_type,
        sender_id="ou_1",
        text=text,
        created_at=NOW,
        mentions=tuple(mentions),
    )


def ctx(router: Router) -> Context:
    return Context(session=None, settings=make_settings("sqlite://"), now=NOW, router=router)


def answer(router: Router, message: Inbound) -> list[str]:
    return [o.text for o in router.dispatch(message, ctx(router))]


@pytest.mark.parametrize("text", ["/help", "/帮助", "／帮助", "  /HELP  ", "/help 随便什么"])
def test_help_in_english_or_chinese(text):
    router = build_router()
    [reply] = answer(router, inbound(text))
    assert "/help" in reply and "/帮助" in reply


def test_help_lists_every_registered_command():
    group = Commands()

    @group.command("crisis", "危机", usage="/crisis open <标题>", summary="开启危机事件")
    def crisis(request):
        return "ok"

    router = Router(help_module.commands, group)
    [reply] = answer(router, inbound("/帮助"))
    for spec in router.commands:
        assert spec.usage in reply and spec.summary in reply
        for alias in spec.aliases:
            assert f"/{alias}" in reply


def test_leading_mention_of_the_bot_is_skipped():
    message = inbound("@危机助手 /help", mentions=[Mention("ou_bot", "危机助手", 0)])
    assert split_command(message)[0] == "help"


def test_mentions_after_the_command_belong_to_its_arguments():
    seen = {}
    group = Commands()

    @group.command("role", "角色", usage="/role <角色> @成员", summary="指定角色")
    def role(request):
        seen["args"] = request.args
        seen["mentions"] = request.mentions
        return None

    text = "@危机助手 /角色 运营 @王运营 @李市场"
    mentions = [
        Mention("ou_bot", "危机助手", 0),
        Mention("ou_wang", "王运营", text.index("@王运营")),
        Mention("ou_li", "李市场", text.index("@李市场")),
    ]
    Router(group).dispatch(inbound(text, mentions), ctx(Router(group)))
    assert seen["args"] == "运营 @王运营 @李市场"
    assert [m.user_id for m in seen["mentions"]] == ["ou_wang", "ou_li"]


def test_unknown_command_gets_a_short_hint_with_the_closest_command():
    [reply] = answer(build_router(), inbound("/hlep"))
    assert "/hlep" in reply and "/help" in reply and "/帮助" in reply


def test_unknown_command_without_a_near_match_still_points_to_help():
    [reply] = answer(build_router(), inbound("/zzzzzz"))
    assert "/帮助" in reply


def test_ordinary_messages_go_to_message_listeners_not_commands():
    seen = []
    group = Commands()
    group.on_message(lambda message, ctx: seen.append(message.text))
    assert answer(Router(help_module.commands, group), inbound("话题阅读量破620万了")) == []
    assert seen == ["话题阅读量破620万了"]


def test_group_only_commands_explain_themselves_in_p2p():
    group = Commands()

    @group.command("status", "状态", usage="/status", summary="状态卡片", group_only=True)
    def status(request):
        return "card"

    [reply] = answer(Router(group), inbound("/状态", chat_type="p2p"))
    assert "群" in reply


def test_a_word_registered_twice_is_refused():
    a, b = Commands(), Commands()
    a.command("help", usage="/help", summary="x")(lambda r: None)
    b.command("帮助", "help", usage="/帮助", summary="y")(lambda r: None)
    with pytest.raises(ValueError):
        Router(a, b)


# ---- Feishu envelopes → core events --------------------------------------------------------


def test_feishu_text_mentions_become_names_with_offsets():
    payload = message_event(
        event_id="e1",
        message_id="om_1",
        chat_id="oc_1",
        text="@_user_1 /角色 运营 @_user_2",
        mentions=[{"open_id": "ou_bot", "name": "危机助手"}, {"open_id": "ou_w", "name": "王运营"}],
        create_time_ms=1_764_000_000_000,
    )
    message = feishu_events.to_event(payload)
    assert message.text == "@危机助手 /角色 运营 @王运营"
    assert [(m.user_id, message.text[m.offset : m.offset + len(m.name) + 1]) for m in message.mentions] == [
        ("ou_bot", "@危机助手"),
        ("ou_w", "@王运营"),
    ]
    assert message.created_at == datetime.fromtimestamp(1_764_000_000, UTC)
    assert split_command(message)[:2] == ("角色", "运营 @王运营")


def test_feishu_post_message_is_flattened_to_text():
    post = {
        "zh_cn": {
            "title": "【初步回应】",
            "content": [
                [
                    {"tag": "text", "text": "已在评论区回复 "},
                    {"tag": "at", "user_id": "@_user_1", "user_name": "王运营"},
                ],
                [{"tag": "a", "text": "笔记链接", "href": "https://www.xiaohongshu.com/explore/abc"}],
                [{"tag": "img", "image_key": "img_v2_1"}],
            ],
        }
    }
    payload = message_event(
        event_id="e2", message_id="om_2", chat_id="oc_1", post=post, mentions=[{"open_id": "ou_w", "name": "王运营"}]
    )
    message = feishu_events.to_event(payload)
    assert message.text.splitlines() == [
        "【初步回应】",
        "已在评论区回复 @王运营",
        "笔记链接 https://www.xiaohongshu.com/explore/abc",
    ]
    assert message.mentions[0].user_id == "ou_w"
    assert [a.key for a in message.attachments] == ["img_v2_1"]


def test_feishu_image_message_carries_its_key():
    payload = message_event(
        event_id="e3", message_id="om_3", chat_id="oc_1", message_type="image", content={"image_key": "img_v2_9"}
    )
    message = feishu_events.to_event(payload)
    assert message.message_type == "image" and message.attachments[0].key == "img_v2_9"


def test_messages_from_bots_are_ignored():
    payload = message_event(event_id="e4", message_id="om_4", chat_id="oc_1", text="/help")
    payload["event"]["sender"]["sender_type"] = "app"
    assert isinstance(feishu_events.to_event(payload), Ignored)


def test_card_action_value_is_decoded():
    payload = card_action_event(
        event_id="e5",
        open_id="ou_1",
        chat_id="oc_1",
        message_id="om_c",
        value={"action": "step_done", "step": "first_response"},
    )
    action = feishu_events.to_event(payload)
    assert (action.user_id, action.chat_id, action.message_id) == ("ou_1", "oc_1", "om_c")
    assert action.value == {"action": "step_done", "step": "first_response"}
    assert feishu_events.keys(payload).message_id is None


def test_envelope_without_header_is_malformed():
    with pytest.raises(feishu_events.MalformedEvent):
        feishu_events.keys({"event": {}})
