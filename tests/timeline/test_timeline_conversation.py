"""A scripted two-day group conversation (Chinese, 40+ messages, retries, a recall, a pin on an
older message, an image) replayed through the signed+encrypted webhook against the fake Feishu
Open API yields the timeline a person reading the chat would write down."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlmodel import Session, select

from bot.app import create_app
from bot.core.db import make_engine
from bot.incidents.models import Incident
from bot.timeline.models import Evidence, LevelChange, MetricSample, TimelineEntry
from tests.fakes.feishu_openapi import history_item
from tests.fakes.feishu_webhook import _envelope, message_event, webhook_request
from tests.support import ENCRYPT_KEY, SH, VERIFICATION_TOKEN, feishu_settings, serve, wait_until

CHAT = "oc_crisis"
CEO, OPS, MKT, CS, QA = "ou_ceo", "ou_ops", "ou_mkt", "ou_cs", "ou_qa"
NAMES = {CEO: "周总", OPS: "王运营", MKT: "李市场", CS: "张客服", QA: "陈质检"}
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def ms(day: int, hh: int, mm: int) -> int:
    return int(datetime(2026, 11, day, hh, mm, tzinfo=SH).timestamp() * 1000)


@dataclass
class Say:
    day: int
    at: str  # HH:MM, Asia/Shanghai, when the message was sent
    who: str
    text: str = ""
    mention: str = ""  # open id mentioned as @_user_1 in the text
    image: str = ""  # image key: an image message instead of text
    again: bool = False  # Feishu delivers this one twice


@dataclass
class Recall:
    day: int
    at: str
    index: int  # which Say to recall


@dataclass
class Pin:
    day: int
    at: str
    who: str
    message_id: str


BEFORE_OPEN = [  # posted before the incident existed: only pins and the backfill can bring them in
    Say(24, "08:40", CS, "客服后台监测到两位用户反馈用了面霜后脸上起红疹"),
    Say(24, "08:55", CEO, "/角色 负责人 @_user_1", mention=CEO),
    Say(24, "08:56", CEO, "/角色 运营 @_user_1", mention=OPS),
    Say(24, "08:57", CEO, "/角色 市场 @_user_1", mention=MKT),
    Say(24, "08:58", CEO, "/角色 客服 @_user_1", mention=CS),
    Say(24, "08:59", CEO, "/角色 质检 @_user_1", mention=QA),
    Say(24, "09:12", OPS, "小红书上发现一篇面霜过敏的差评笔记，带了#XX品牌踩雷 标签"),
    Say(24, "09:15", QA, "已安排质检调取同批次留样"),
]
DURING = [
    Say(24, "09:20", CEO, "/危机 开启 面霜过敏笔记发酵 开始=09:10"),
    Say(24, "09:25", OPS, "话题阅读量破50万"),
    Say(24, "09:40", MKT, "原笔记点赞已经2.3万"),
    Say(24, "10:05", MKT, "【初步回应】非常抱歉让大家担心了，我们正在逐一联系反馈的用户，今天内给大家一个说法"),
    Say(24, "10:25", OPS, "10:20 已私信首发博主了解情况"),
    Say(24, "10:30", CS, image="img_v2_photo"),
    Say(24, "10:31", CS, "上面是用户发来的过敏照片"),
    Say(24, "10:50", OPS, "微博也有人搬运了：https://weibo.com/123/abc"),
    Say(24, "11:00", MKT, "美妆KOL转发了那篇笔记，评论区情绪很激动"),
    Say(24, "11:10", OPS, "负面评论占比从30%升至65%"),
    Say(24, "11:30", OPS, "话题阅读量破620万"),
    Say(24, "11:35", CEO, "决定由我牵头，市场下午出正式声明"),
    Say(24, "11:40", OPS, "/数据 投诉量 230"),
    Say(24, "12:00", QA, "已送检同批次留样，明天出报告", again=True),
    Say(24, "12:10", MKT, "声明稿初稿在写了"),
    Say(24, "12:30", CS, "已开通专项客服通道，24小时响应"),
    Say(24, "12:31", CS, "测试一下"),
    Say(
        24,
        "13:40",
        MKT,
        "【正式声明】关于XX面霜用户反馈过敏的说明：我们已暂停该批次销售，"
        "购买过的用户3天内可申请全额退款，并补偿20元优惠券，客服通道24小时在线。",
    ),
    Say(24, "14:00", OPS, "/记录 已私信所有投诉用户退款方式"),
    Say(24, "15:00", OPS, "抖音那边转发2.3万"),
    Say(24, "16:00", MKT, "3位核心垂类博主已发布实测澄清"),
    Say(24, "16:30", OPS, "负面占比回落到30%"),
    Say(24, "17:00", CS, "客服通道今天处理了120单"),
    Say(24, "18:00", CEO, "今天先到这，明早9点碰头"),
    Say(24, "23:10", OPS, "小红书话题阅读量超过800万"),
    Say(25, "00:20", OPS, "23:50 抖音出现搬运视频"),
    Say(25, "09:00", CEO, "大家早，继续盯数据"),
    Say(25, "09:30", QA, "质检报告出来了，同批次留样各项指标合格"),
    Say(25, "10:00", MKT, "已联系3位博主准备第二轮实测"),
    Say(25, "10:30", OPS, "负面占比降至18%"),
    Say(25, "11:00", OPS, "投诉量降到35"),
    Say(25, "11:20", CS, "今天新增投诉基本是咨询退款进度"),
    Say(25, "13:00", MKT, "第二轮实测视频已发布"),
    Say(25, "14:00", CEO, "/结束"),
]
SCRIPT = BEFORE_OPEN + DURING
RECALL = Recall(24, "12:32", SCRIPT.index(next(s for s in SCRIPT if s.text == "测试一下")))
PIN = Pin(25, "09:05", CS, "om_0")  # the 08:40 message, from before the incident

# What a person reading the chat writes down: (local time, kind, author, flags).
EXPECTED = [
    ("11-24 08:40", "detection", CS, "pinned"),
    ("11-24 09:10", "detection", CEO, ""),
    ("11-24 09:12", "detection", OPS, ""),
    ("11-24 09:15", "action", QA, ""),
    ("11-24 09:20", "system", CEO, ""),
    ("11-24 09:25", "metric", OPS, ""),
    ("11-24 09:40", "metric", MKT, ""),
    ("11-24 10:05", "statement", MKT, "initial"),
    ("11-24 10:20", "action", OPS, ""),
    ("11-24 10:30", "note", CS, ""),
    ("11-24 10:31", "note", CS, ""),
    ("11-24 10:50", "spread", OPS, ""),
    ("11-24 11:00", "spread", MKT, ""),
    ("11-24 11:10", "metric", OPS, ""),
    ("11-24 11:30", "metric", OPS, ""),
    ("11-24 11:35", "decision", CEO, ""),
    ("11-24 11:40", "metric", OPS, ""),
    ("11-24 12:00", "action", QA, ""),
    ("11-24 12:10", "note", MKT, ""),
    ("11-24 12:30", "action", CS, ""),
    ("11-24 12:31", "note", CS, "recalled"),
    ("11-24 13:40", "statement", MKT, "formal"),
    ("11-24 14:00", "action", OPS, ""),
    ("11-24 15:00", "spread", OPS, ""),
    ("11-24 16:00", "action", MKT, ""),
    ("11-24 16:30", "metric", OPS, ""),
    ("11-24 17:00", "note", CS, ""),
    ("11-24 18:00", "note", CEO, ""),
    ("11-24 23:10", "metric", OPS, ""),
    ("11-24 23:50", "spread", OPS, ""),
    ("11-25 09:00", "note", CEO, ""),
    ("11-25 09:30", "note", QA, ""),
    ("11-25 10:00", "action", MKT, ""),
    ("11-25 10:30", "metric", OPS, ""),
    ("11-25 11:00", "metric", OPS, ""),
    ("11-25 11:20", "note", CS, ""),
    ("11-25 13:00", "action", MKT, ""),
    ("11-25 14:00", "system", CEO, ""),
]


def event_for(index: int, say: Say) -> dict:
    hh, mm = map(int, say.at.split(":"))
    common = dict(
        event_id=f"ev_{index}",
        message_id=f"om_{index}",
        chat_id=CHAT,
        sender_open_id=say.who,
        create_time_ms=ms(say.day, hh, mm),
        token=VERIFICATION_TOKEN,
    )
    if say.image:
        return message_event(**common, message_type="image", content={"image_key": say.image})
    mentions = [{"open_id": say.mention, "name": NAMES[say.mention]}] if say.mention else None
    return message_event(**common, text=say.text, mentions=mentions)


def recall_event(recall: Recall) -> dict:
    hh, mm = map(int, recall.at.split(":"))
    when = ms(recall.day, hh, mm)
    return _envelope(
        "im.message.recalled_v1",
        "ev_recall",
        VERIFICATION_TOKEN,
        {"message_id": f"om_{recall.index}", "chat_id": CHAT, "recall_time": str(when), "recall_type": "message_owner"},
        when,
    )


def pin_event(pin: Pin) -> dict:
    hh, mm = map(int, pin.at.split(":"))
    when = ms(pin.day, hh, mm)
    return _envelope(
        "im.message.reaction.created_v1",
        "ev_pin",
        VERIFICATION_TOKEN,
        {
            "message_id": pin.message_id,
            "reaction_type": {"emoji_type": "Pin"},
            "operator_type": "user",
            "user_id": {"open_id": pin.who},
            "action_time": str(when),
        },
        when,
    )


def seed_fake(fake) -> None:
    """What Feishu knows: the group's history (for backfill and pins) and the posted image."""
    items = []
    for index, say in enumerate(SCRIPT):
        hh, mm = map(int, say.at.split(":"))
        content = {"image_key": say.image} if say.image else None
        items.append(
            history_item(
                message_id=f"om_{index}",
                chat_id=CHAT,
                create_time_ms=ms(say.day, hh, mm),
                text=say.text,
                content=content,
                msg_type="image" if say.image else "text",
                sender_id=say.who,
            )
        )
    fake.history[CHAT] = items
    fake.resources[(f"om_{SCRIPT.index(next(s for s in SCRIPT if s.image))}", "img_v2_photo")] = PHOTO


def replay(db_url: str, fake) -> None:
    seed_fake(fake)
    app = create_app(feishu_settings(db_url, fake))
    with serve(app) as url, httpx.Client(timeout=10) as http:

        def post(payload: dict) -> None:
            body, headers = webhook_request(payload, ENCRYPT_KEY)
            assert http.post(f"{url}/feishu/events", content=body, headers=headers).status_code == 200

        for index, say in enumerate(SCRIPT):
            post(event_for(index, say))
            if say.again:
                post(event_for(index, say))
            if index == RECALL.index:
                post(recall_event(RECALL))
            if say.day == PIN.day and say.at == "09:00":
                post(pin_event(PIN))
        post(event_for(0, SCRIPT[0]))  # a late redelivery of the very first message changes nothing
        engine = make_engine(db_url)

        def settled() -> bool:
            health = http.get(f"{url}/healthz").json()
            with Session(engine) as session:
                pending = session.exec(select(Evidence).where(Evidence.status == "pending")).all()
            return set(health["inbox"]) == {"done"} and health["outbox_pending"] == 0 and not pending

        assert wait_until(settled, timeout=30)
        engine.dispose()


def timeline_of(db_url: str) -> list[tuple]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = session.exec(select(TimelineEntry).order_by(TimelineEntry.at, TimelineEntry.id)).all()
        result = [
            (r.at.isoformat(), r.kind, r.subkind, r.author_id, r.text, r.recalled, r.pinned, r.source, r.links)
            for r in rows
        ]
    engine.dispose()
    return result


def test_two_day_conversation_gives_the_expected_timeline(db_url, fake_feishu):
    replay(db_url, fake_feishu)
    engine = make_engine(db_url)
    with Session(engine) as session:
        [incident] = session.exec(select(Incident)).all()
        entries = session.exec(select(TimelineEntry).order_by(TimelineEntry.at, TimelineEntry.id)).all()
        got = [
            (
                e.at.astimezone(SH).strftime("%m-%d %H:%M"),
                e.kind,
                e.author_id,
                "recalled" if e.recalled else "pinned" if e.pinned else (e.subkind or ""),
            )
            for e in entries
        ]
        assert got == EXPECTED

        assert incident.status == "closed" and incident.level == 1 and incident.playbook == "product_defect"
        assert incident.started_at == datetime(2026, 11, 24, 9, 10, tzinfo=SH)
        [change] = session.exec(select(LevelChange)).all()
        assert (change.from_level, change.to_level) == (2, 1)
        assert change.at == datetime(2026, 11, 24, 11, 30, tzinfo=SH)

        samples = [
            (s.at.astimezone(SH).strftime("%d %H:%M"), s.metric, s.value, s.platform)
            for s in session.exec(select(MetricSample).order_by(MetricSample.at)).all()
        ]
        assert samples == [
            ("24 09:25", "topic_reads", 500_000, "xhs"),
            ("24 09:40", "likes", 23_000, "xhs"),
            ("24 11:10", "negative_ratio", 0.65, "xhs"),
            ("24 11:30", "topic_reads", 6_200_000, "xhs"),
            ("24 11:40", "complaints", 230, "xhs"),
            ("24 15:00", "reposts", 23_000, "douyin"),
            ("24 16:30", "negative_ratio", 0.30, "xhs"),
            ("24 23:10", "topic_reads", 8_000_000, "xhs"),
            ("25 10:30", "negative_ratio", 0.18, "xhs"),
            ("25 11:00", "complaints", 35, "xhs"),
        ]
        [photo] = session.exec(select(Evidence)).all()
        assert photo.status == "stored" and photo.sha256 == hashlib.sha256(PHOTO).hexdigest()
        photo_entry = session.get(TimelineEntry, photo.entry_id)
        assert photo_entry.at == datetime(2026, 11, 24, 10, 30, tzinfo=SH)
        link_entry = next(e for e in entries if "weibo.com" in e.text)
        assert '"platform": "weibo"' in link_entry.links
    engine.dispose()

    texts = [m["content"].get("text", "") for m in fake_feishu.sent_messages if m["msg_type"] == "text"]
    upgrades = [t for t in texts if "升级为一级危机" in t]
    assert len(upgrades) == 1 and '<at user_id="ou_ceo"></at>' in upgrades[0]
    alerts = [t for t in texts if "预警线" in t]
    assert len(alerts) == 1 and "65%" in alerts[0]
    assert sum("已按原时间" in t for t in texts) == 1
    cards = [m for m in fake_feishu.sent_messages if m["msg_type"] == "interactive"]
    opening = [c for c in cards if "已开启" in c["content"]["header"]["title"]["content"]]
    assert len(opening) == 1 and "面霜过敏笔记发酵" in str(opening[0]["content"])


def test_replaying_the_conversation_twice_gives_an_identical_timeline(tmp_path, fake_feishu):
    first, second = f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'two.db'}"
    replay(first, fake_feishu)
    replay(second, fake_feishu)
    assert timeline_of(first) == timeline_of(second)
    assert len(timeline_of(first)) == len(EXPECTED)
