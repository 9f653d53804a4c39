"""Feishu envelopes → core events: mentions with offsets, posts flattened to text, card action values; messages
that are not plain text still read well in the timeline (a kind in brackets, a file's name, `@所有人`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.messages import Ignored
from bot.core.router import split_command
from bot.feishu import events as feishu_events
from bot.feishu.events import history_item_to_inbound
from tests.fakes.feishu_openapi import history_item
from tests.fakes.feishu_webhook import card_action_event, message_event


def inbound(msg_type: str, content: dict):
    item = history_item(message_id="om_1", chat_id="oc_1", create_time_ms=1, msg_type=msg_type, content=content)
    return history_item_to_inbound(item)


@pytest.mark.parametrize(
    ("msg_type", "content", "text"),
    [
        ("image", {"image_key": "img_1"}, "[图片]"),
        ("file", {"file_key": "file_1", "file_name": "评论导出.csv"}, "[文件] 评论导出.csv"),
        ("file", {"file_key": "file_1"}, "[文件]"),
        ("media", {"file_key": "file_2", "file_name": "v.mp4"}, "[视频]"),
        ("audio", {"file_key": "file_3"}, "[语音]"),
        ("sticker", {"file_key": "s"}, "[sticker]"),
    ],
)
def test_a_message_without_text_is_named_by_its_kind(msg_type, content, text):
    assert inbound(msg_type, content).text == text


def test_a_mention_of_everyone_reads_as_all_members():
    message = inbound("text", {"text": "@_all 请看置顶"})
    assert message.text == "@所有人 请看置顶" and message.mentions == ()


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
