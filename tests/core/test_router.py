"""Routing commands by English or Chinese name, mentions, help and hints for unknown commands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.messages import Inbound, Mention
from bot.core.router import Commands, Context, Router, edit_distance, split_command
from handlers import build_router
from handlers import help as help_module
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


def test_help_lists_every_registered_command_chinese_first():
    group = Commands()

    @group.command("危机", "crisis", usage="/危机 开启 <标题>", summary="开启危机事件", english="/crisis open <title>")
    def crisis(request):
        return "ok"

    router = Router(help_module.commands, group)
    [reply] = answer(router, inbound("/help"))
    for spec in router.commands:
        assert spec.usage in reply and spec.summary in reply
        assert reply.index(spec.usage) < reply.index(spec.english_word)
    assert "/crisis open <title>" in reply


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
    assert reply.index("/帮助") < reply.index("/help")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("危急", "/危机 开启"), ("状况", "/状态"), ("stauts", "/状态"), ("statment", "/声明"), ("actoins", "/改进 列表")],
)
def test_a_typo_is_answered_with_the_chinese_form_of_the_nearest_command(typed, meant):
    [reply] = answer(build_router(), inbound(f"/{typed}"))
    assert f"你是不是想用 {meant}" in reply


@pytest.mark.parametrize("typed", ["zzzzzz", "foo", "hello", "天气"])
def test_unknown_command_without_a_near_match_gets_the_short_chinese_help(typed):
    [reply] = answer(build_router(), inbound(f"/{typed}"))
    assert "你是不是" not in reply and "/帮助" in reply and "/危机" in reply
    assert not any(f"/{word}" in reply for word in ("root", "crisis", "help"))


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("hlep", "help", 1),
        ("foo", "root", 2),
        ("foo", "log", 2),
        ("危急", "危机", 1),
        ("", "log", 3),
        ("abc", "abc", 0),
    ],
)
def test_edit_distance_counts_a_swap_as_one_edit(a, b, distance):
    assert edit_distance(a, b) == distance


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
