"""The retro JSON computed from what the bot recorded: scripted incidents driven through the real pipeline
(inbox → router → handlers → DB) with answers worked out by hand from the script, checked exactly, and the
document validated against schemas/retro.schema.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlmodel import Session, select

from bot.config import BUNDLED_PLAYBOOKS
from bot.core import db, inbox
from bot.core.processing import Processor
from bot.incidents.models import Incident
from bot.library.playbooks import load as load_playbooks
from bot.retro import compute as retro
from bot.sandbox import events as sandbox_events
from bot.timeline import samples
from bot.timeline import service as timeline
from handlers import build_router
from tests.support import ROOT, make_settings

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 24, tzinfo=SH)
SCHEMA = json.loads((ROOT / "schemas" / "retro.schema.json").read_text("utf-8"))
ROSTER = {
    "负责人": ("ou_ceo", "周总"),
    "运营": ("ou_ops", "王运营"),
    "市场": ("ou_mkt", "李市场"),
    "客服": ("ou_cs", "陈客服"),
    "质检": ("ou_qa", "赵质检"),
}


def t(clock: str, day: int = 24) -> datetime:
    """A wall-clock time in Shanghai on 2026-11-`day`."""
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def iso(clock: str, day: int = 24) -> str:
    return f"2026-11-{day:02d}T{clock}:00+08:00"


class Group:
    """The emergency group: members post at wall-clock times; the real processor logs it all."""

    chat_id = "oc_retro"

    def __init__(self, db_url: str) -> None:
        db.upgrade(db_url)
        self.engine = db.make_engine(db_url)
        self.processor = Processor(
            self.engine,
            make_settings(db_url),
            build_router(),
            {"sandbox": sandbox_events.to_event},
            now_fn=lambda: DAY + timedelta(days=3),
        )
        self.count = 0

    def say(self, clock: str, text: str, *, who: str = "ou_ops", mentions: tuple[tuple[str, str], ...] = ()) -> str:
        """Post `text` at `clock`; returns the message id."""
        self.count += 1
        found = [{"user_id": user_id, "name": name, "offset": text.index(f"@{name}")} for user_id, name in mentions]
        payload = {
            "type": "message",
            "event_id": f"ev{self.count}",
            "message_id": f"om{self.count}",
            "chat_id": self.chat_id,
            "chat_type": "group",
            "sender_id": who,
            "text": text,
            "mentions": found,
            "create_time_ms": int(t(clock).timestamp() * 1000),
        }
        assert inbox.record(self.engine, source="sandbox", keys=sandbox_events.keys(payload), payload=payload)
        self.processor.process_due()
        return payload["message_id"]

    def assign_roles(self) -> None:
        for word, (user_id, name) in ROSTER.items():
            self.say("08:00", f"/角色 {word} @{name}", who="ou_ceo", mentions=((user_id, name),))

    def incident(self) -> Incident:
        with Session(self.engine) as session:
            return session.exec(select(Incident).order_by(Incident.id.desc())).first()

    def retro(self, **kwargs) -> dict:
        with Session(self.engine) as session:
            incident = retro.latest_for_chat(session, self.chat_id)
            assert incident is not None
            doc = retro.compute(session, incident, library=load_playbooks(BUNDLED_PLAYBOOKS), tz=SH, **kwargs)
        return json.loads(json.dumps(doc, ensure_ascii=False))  # what `--format json` writes


@pytest.fixture
def group(db_url) -> Group:
    g = Group(db_url)
    g.assign_roles()
    return g


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def validate(doc: dict) -> None:
    errors = sorted(Draft202012Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def times_in(doc: dict) -> list[str]:
    """Every time value of the document (by the contract's field names)."""
    found = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and (key in ("at", "first_at", "next_review_at") or key.endswith("_at")):
            found.append(node)

    walk(doc)
    return found


def steps_of(doc: dict) -> list[tuple]:
    return [(s["id"], s["role"], s["owners"], s["due_at"], s["done_at"], s["met"]) for s in doc["steps"]]


def codes(doc: dict, kind: str) -> list[str]:
    return [f["code"] for f in doc["findings"] if f["kind"] == kind]


# --- the acceptance scenario: product defect ---------------------------------------------------------------

INITIAL = "【初步回应】看到大家的反馈真的很抱歉，已经私信首发博主了解批次，客服专项通道今天18点前回复每一位朋友。"
FORMAL = (
    "【正式声明】关于近期部分用户反馈的面霜瑕疵问题，真的很抱歉让大家失望了。我们已封存涉事批次并送第三方检测，"
    "涉事批次3天内可申请全额退款，私信专属客服即可办理。检测报告出来后公布在这条笔记下。"
)
KOL_REPOST = "某美妆KOL转发了首发笔记，评论区开始带节奏"
KOL_CLARIFY = "3位核心垂类博主已发布实测澄清"
WEIBO = "微博上也有人搬运了首发笔记，已上热搜"


def product_defect(group: Group) -> dict:
    group.say("09:20", "/危机 开启 面霜瑕疵被博主晒图 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    group.say("10:00", "话题阅读量3.2万")
    group.say("10:05", INITIAL)
    group.say("10:30", "负面评论占比30%")
    group.say("10:40", "已开通专项客服通道", who="ou_cs")
    group.say("11:00", KOL_REPOST)
    group.say("11:10", "负面评论占比升至65%")
    group.say("11:30", "话题阅读量破620万")
    group.say("11:50", "涉事批次已锁定，已封存留样", who="ou_qa")
    group.say("12:00", WEIBO)
    group.say("13:40", FORMAL, who="ou_mkt")
    group.say("16:00", KOL_CLARIFY, who="ou_mkt")
    group.say("16:30", "负面评论占比回落至30%")
    group.say("18:00", "/危机 结束", who="ou_ceo")
    return group.retro()


def test_acceptance_scenario_gives_the_known_answers(group):
    doc = product_defect(group)
    validate(doc)

    assert doc["incident"] == {
        "id": 1,
        "chat_id": "oc_retro",
        "title": "面霜瑕疵被博主晒图",
        "playbook": "product_defect",
        "level": 1,
        "started_at": iso("09:10"),
        "opened_at": iso("09:20"),
        "closed_at": iso("18:00"),
    }
    # 10:05 − 09:10 = 55; 13:40 − 09:10 = 4 h 30 = 270; peaks 65 % and 620万.
    assert doc["kpis"] == {
        "first_response_minutes": 55,
        "formal_statement_minutes": 270,
        "statement_has_remedy": True,
        "peak_negative_ratio": 0.65,
        "peak_topic_reads": 6200000,
        "steps_met": 3,
        "steps_total": 8,
    }
    assert isinstance(doc["kpis"]["first_response_minutes"], int)
    assert isinstance(doc["kpis"]["peak_topic_reads"], int)

    assert doc["escalations"] == [
        {"at": iso("11:10"), "from": 0.3, "to": 0.65, "trigger": {"at": iso("11:00"), "text": KOL_REPOST}}
    ]
    [change] = doc["level_changes"]
    assert (change["at"], change["from"], change["to"]) == (iso("11:30"), 2, 1)
    assert "topic_reads" in change["reason"]

    # Level 2 until 11:30, level 1 after: a step done before the upgrade keeps its level-2 deadline (start + 2 h,
    # + 4 h); open ones are due by level 1's (lead_briefing 1 h, qa_trace 3 h, formal_statement 4 h,
    # segment_reply 6 h — active since the share exceeded 30 % —, qa_report 24 h, kol_clarify 36 h).
    assert steps_of(doc) == [
        ("first_response", "ops", ["ou_ops"], iso("11:10"), iso("10:05"), True),
        ("lead_briefing", "ops", ["ou_ops"], iso("10:10"), None, False),
        ("cs_channel", "support", ["ou_cs"], iso("13:10"), iso("10:40"), True),
        ("qa_trace", "qa", ["ou_qa"], iso("12:10"), iso("11:50"), True),
        ("formal_statement", "marketing", ["ou_mkt"], iso("13:10"), iso("13:40"), False),
        ("segment_reply", "ops", ["ou_ops"], iso("15:10"), None, False),
        ("qa_report", "qa", ["ou_qa"], iso("09:10", day=25), None, False),
        ("kol_clarify", "marketing", ["ou_mkt"], iso("21:10", day=25), None, False),
    ]

    assert doc["propagation"] == {
        "milestones": [
            {"metric": "topic_reads", "threshold": 10000, "at": iso("10:00")},
            {"metric": "topic_reads", "threshold": 100000, "at": iso("11:30")},
            {"metric": "topic_reads", "threshold": 1000000, "at": iso("11:30")},
        ],
        "platforms": [{"platform": "weibo", "first_at": iso("12:00"), "text": WEIBO}],
        "negative_ratio": [
            {"at": iso("10:30"), "value": 0.3, "source": "message"},
            {"at": iso("11:10"), "value": 0.65, "source": "message"},
            {"at": iso("16:30"), "value": 0.3, "source": "message"},
        ],
    }

    assert codes(doc, "gain") == [
        "first_response_in_time",
        "statement_has_remedy",
        "kol_clarify_effect",
        "cs_channel_in_time",
    ]
    assert codes(doc, "loss") == ["step_missed", "step_missed", "step_missed"]
    losses = [f["evidence"] for f in doc["findings"] if f["kind"] == "loss"]
    assert [e.split("：")[0] for e in losses] == ["lead_briefing", "formal_statement", "segment_reply"]
    assert "13:10" in losses[1] and "13:40" in losses[1]
    remedy = next(f for f in doc["findings"] if f["code"] == "statement_has_remedy")
    assert "3天内可申请全额退款" in remedy["evidence"]
    kol = next(f for f in doc["findings"] if f["code"] == "kol_clarify_effect")
    assert "65%" in kol["evidence"] and "30%" in kol["evidence"] and KOL_CLARIFY in kol["evidence"]

    assert doc["actions"] == []
    assert doc["root_causes"] == {"surface": [], "deep": []}
    assert doc["next_review_at"] == "2027-01-01T10:00:00+08:00"
    assert [(e["at"], e["kind"]) for e in doc["timeline"]] == [
        (iso("09:10"), "detection"),
        (iso("09:20"), "system"),
        (iso("10:00"), "metric"),
        (iso("10:05"), "statement"),
        (iso("10:30"), "metric"),
        (iso("10:40"), "action"),
        (iso("11:00"), "spread"),
        (iso("11:10"), "metric"),
        (iso("11:30"), "metric"),
        (iso("11:50"), "note"),
        (iso("12:00"), "spread"),
        (iso("13:40"), "statement"),
        (iso("16:00"), "action"),
        (iso("16:30"), "metric"),
        (iso("18:00"), "system"),
    ]
    assert doc["timeline"][3] == {"at": iso("10:05"), "kind": "statement", "author": "ou_ops", "text": INITIAL}

    every_time = times_in(doc)
    assert len(every_time) > 40 and all(value.endswith("+08:00") for value in every_time)


def test_retro_is_the_same_when_compiled_again(group):
    first = product_defect(group)
    assert group.retro() == first


# --- content misleading: late, boilerplate-laden response, a formal statement without a remedy ---------------------

INITIAL_BOILERPLATE = "【初步回应】我们高度重视大家的反馈，深表歉意，后续会妥善处理。"
FORMAL_NO_REMEDY = (
    "【正式声明】关于种草笔记里夸大的说法，是我们没做好，真的很抱歉让大家失望了。"
    "我们已经下架相关笔记，后续会妥善处理大家的诉求，也会重新审核所有合作笔记。"
)


def test_content_misleading_without_a_concrete_remedy(group):
    group.say("09:00", "/危机 开启 种草笔记夸大宣传被指虚假 类型=content_misleading 级别=2", who="ou_ceo")
    group.say("09:30", "负面评论占比25%")
    group.say("10:00", "抖音上有博主发视频质疑种草文案")
    group.say("10:20", "负面评论占比升至45%")
    group.say("11:15", INITIAL_BOILERPLATE)
    group.say("12:00", "媒体报道了这件事")
    group.say("12:30", "已开通专项客服通道", who="ou_cs")
    group.say("13:00", "/数据 话题阅读 120万 微博")
    group.say("14:30", FORMAL_NO_REMEDY, who="ou_mkt")
    group.say("15:00", "负面评论占比50%")
    group.say("15:30", "夸大文案已修改", who="ou_mkt")
    group.say("16:00", "/结束", who="ou_ceo")
    doc = group.retro()
    validate(doc)

    assert doc["incident"]["started_at"] == doc["incident"]["opened_at"] == iso("09:00")
    assert doc["incident"]["level"] == 2
    # 11:15 − 09:00 = 135 (late: level 2 allows 120); 14:30 − 09:00 = 330.
    assert doc["kpis"] == {
        "first_response_minutes": 135,
        "formal_statement_minutes": 330,
        "statement_has_remedy": False,
        "peak_negative_ratio": 0.5,
        "peak_topic_reads": 1200000,
        "steps_met": 2,
        "steps_total": 6,
    }
    assert steps_of(doc) == [
        ("first_response", "ops", ["ou_ops"], iso("11:00"), iso("11:15"), False),
        ("cs_channel", "support", ["ou_cs"], iso("13:00"), iso("12:30"), True),
        ("content_fix", "marketing", ["ou_mkt"], iso("15:00"), iso("15:30"), False),
        ("formal_statement", "marketing", ["ou_mkt"], iso("17:00"), iso("14:30"), True),
        ("seeding_audit", "marketing", ["ou_mkt"], iso("09:00", day=26), None, False),
        ("kol_clarify", "marketing", ["ou_mkt"], iso("09:00", day=26), None, False),
    ]
    assert doc["escalations"] == [
        {
            "at": iso("10:20"),
            "from": 0.25,
            "to": 0.45,
            "trigger": {"at": iso("10:00"), "text": "抖音上有博主发视频质疑种草文案"},
        }
    ]
    assert doc["level_changes"] == []
    assert [(p["platform"], p["first_at"]) for p in doc["propagation"]["platforms"]] == [
        ("douyin", iso("10:00")),
        ("media", iso("12:00")),
        ("weibo", iso("13:00")),
    ]
    assert [(m["threshold"], m["at"]) for m in doc["propagation"]["milestones"]] == [
        (10000, iso("13:00")),
        (100000, iso("13:00")),
        (1000000, iso("13:00")),
    ]

    assert codes(doc, "gain") == ["cs_channel_in_time"]
    assert codes(doc, "loss") == [
        "first_response_late",
        "statement_no_remedy",
        "statement_boilerplate",
        "statement_boilerplate",
        "step_missed",
    ]
    no_remedy = next(f for f in doc["findings"] if f["code"] == "statement_no_remedy")
    assert FORMAL_NO_REMEDY in no_remedy["evidence"]
    initial_boilerplate, formal_boilerplate = [
        f["evidence"] for f in doc["findings"] if f["code"] == "statement_boilerplate"
    ]
    assert all(p in initial_boilerplate for p in ("高度重视", "深表歉意", "后续会妥善处理"))
    assert "后续会妥善处理" in formal_boilerplate and "高度重视" not in formal_boilerplate
    late = next(f for f in doc["findings"] if f["code"] == "first_response_late")
    assert "135" in late["text"] and "120" in late["text"]
    assert next(f for f in doc["findings"] if f["code"] == "step_missed")["evidence"].startswith("content_fix")


# --- competitor smear: no formal statement, root causes, an escalation of exactly 15 points -----------------------


def test_competitor_smear_without_a_formal_statement(group):
    group.say("10:00", "/危机 开启 竞品水军造谣面霜含激素 类型=competitor_smear 开始=09:30", who="ou_ceo")
    group.say("10:05", "09:50 发现小号集中发布摆拍笔记")
    group.say(
        "10:10",
        "【初步回应】看到有朋友担心成分问题，真的很抱歉让大家担心了。"
        "检测报告今天18点前公布在这条笔记下，有疑问可以私信专属客服。",
    )
    group.say("10:30", "负面评论占比20%")
    group.say("11:00", "多个大V在微博转发了造谣笔记")
    group.say("11:20", "负面评论占比35%")
    group.say("11:40", "检测报告已调出", who="ou_qa")
    group.say("12:00", "话题阅读量破80万")
    group.say("14:00", "证据包已整理好")
    with Session(group.engine) as session:  # root causes as /root (/根因) records them (subkind root_surface/deep)
        incident = session.get(Incident, 1)
        timeline.add(
            session,
            incident,
            at=t("15:00"),
            kind="note",
            subkind="root_surface",
            source="command",
            text="小号集中发布摆拍笔记，带节奏说面霜含激素",
            author_id="ou_ceo",
        )
        timeline.add(
            session,
            incident,
            at=t("15:05"),
            kind="note",
            subkind="root_deep",
            source="command",
            text="之前种草文案写过“温和无刺激”，夸大宣传被抓了把柄",
            author_id="ou_ceo",
        )
        session.commit()
    group.say("18:00", "/结束", who="ou_ceo")
    doc = group.retro()
    validate(doc)

    assert (doc["incident"]["started_at"], doc["incident"]["opened_at"]) == (iso("09:30"), iso("10:00"))
    # 10:10 − 09:30 = 40; no formal statement at all.
    assert doc["kpis"] == {
        "first_response_minutes": 40,
        "formal_statement_minutes": None,
        "statement_has_remedy": False,
        "peak_negative_ratio": 0.35,
        "peak_topic_reads": 800000,
        "steps_met": 3,
        "steps_total": 6,
    }
    assert steps_of(doc) == [
        ("first_response", "ops", ["ou_ops"], iso("11:30"), iso("10:10"), True),
        ("cs_channel", "support", ["ou_cs"], iso("13:30"), None, False),
        ("qa_report", "qa", ["ou_qa"], iso("13:30"), iso("11:40"), True),
        ("evidence_pack", "ops", ["ou_ops"], iso("15:30"), iso("14:00"), True),
        ("formal_statement", "marketing", ["ou_mkt"], iso("17:30"), None, False),
        ("kol_clarify", "marketing", ["ou_mkt"], iso("09:30", day=26), None, False),
    ]
    # 20 % → 35 % is a rise of exactly 15 points (binary floats make it 0.1499999…): it counts.
    assert doc["escalations"] == [
        {
            "at": iso("11:20"),
            "from": 0.2,
            "to": 0.35,
            "trigger": {"at": iso("11:00"), "text": "多个大V在微博转发了造谣笔记"},
        }
    ]
    assert doc["propagation"]["platforms"] == [
        {"platform": "weibo", "first_at": iso("11:00"), "text": "多个大V在微博转发了造谣笔记"}
    ]
    assert [(m["threshold"], m["at"]) for m in doc["propagation"]["milestones"]] == [
        (10000, iso("12:00")),
        (100000, iso("12:00")),
    ]
    assert doc["root_causes"] == {
        "surface": ["小号集中发布摆拍笔记，带节奏说面霜含激素"],
        "deep": ["之前种草文案写过“温和无刺激”，夸大宣传被抓了把柄"],
    }
    assert codes(doc, "gain") == ["first_response_in_time"]
    assert [(f["code"], f["evidence"].split("：")[0]) for f in doc["findings"] if f["kind"] == "loss"] == [
        ("step_missed", "cs_channel"),
        ("step_missed", "formal_statement"),
    ]
    assert [tuple(e.values()) for e in doc["timeline"][:3]] == [
        (iso("09:30"), "detection", "ou_ceo", "危机开始（发现时间）：竞品水军造谣面霜含激素"),
        (iso("09:50"), "detection", "ou_ops", "发现小号集中发布摆拍笔记"),
        (iso("10:00"), "system", "ou_ceo", "开启危机事件：竞品水军造谣面霜含激素"),
    ]


# --- service lag, still open: an interim retro; a recalled statement; a KOL action that did not help ---------------


def test_interim_retro_of_an_open_incident(group):
    group.say("10:00", "/危机 开启 客服已读不回退款拖延被用户挂出 类型=service_lag 级别=1", who="ou_ceo")
    group.say("10:20", "负面评论占比40%")
    recalled = group.say("10:30", "【初步回应】我们正在核实。")
    group.say("10:50", "【初步回应】让大家久等了，真的很抱歉。退款申请今天内全部处理完，私信专属客服即可加急。")
    group.say("11:00", "已约2位博主发布体验澄清", who="ou_mkt")
    group.say("11:30", "负面评论占比48%")
    with Session(group.engine) as session:
        timeline.mark_recalled(session, recalled)  # as the recall event does
        incident = session.get(Incident, 1)
        samples.record(
            session, incident, metric="negative_ratio", value=0.7, platform="xhs", at=t("11:45"), source="import"
        )  # from imported comments
        session.commit()
    doc = group.retro(now=t("12:00"))
    validate(doc)

    assert doc["incident"]["closed_at"] is None and doc["incident"]["level"] == 1
    # The recalled 10:30 statement is left out: the first response is 10:50 − 10:00 = 50.
    assert doc["kpis"] == {
        "first_response_minutes": 50,
        "formal_statement_minutes": None,
        "statement_has_remedy": False,
        "peak_negative_ratio": 0.7,
        "peak_topic_reads": None,
        "steps_met": 1,
        "steps_total": 7,
    }
    assert "【初步回应】我们正在核实。" not in [e["text"] for e in doc["timeline"]]
    # first_response was completed by the (later recalled) statement at 10:30: the step row is kept as recorded.
    assert steps_of(doc) == [
        ("first_response", "ops", ["ou_ops"], iso("11:00"), iso("10:30"), True),
        ("cs_channel", "support", ["ou_cs"], iso("11:00"), None, False),
        ("lead_briefing", "ops", ["ou_ops"], iso("11:00"), None, False),
        ("formal_statement", "marketing", ["ou_mkt"], iso("14:00"), None, False),
        ("segment_reply", "ops", ["ou_ops"], iso("16:00"), None, False),
        ("cs_backlog", "support", ["ou_cs"], iso("10:00", day=25), None, False),
        ("feedback_entry", "ops", ["ou_ops"], iso("10:00", day=25), None, False),
    ]
    assert doc["propagation"]["negative_ratio"] == [
        {"at": iso("10:20"), "value": 0.4, "source": "message"},
        {"at": iso("11:30"), "value": 0.48, "source": "message"},
        {"at": iso("11:45"), "value": 0.7, "source": "import"},
    ]
    # 48 % → 70 % (+22 points) with no spread entry between 11:30 and 11:45: no trigger.
    assert doc["escalations"] == [{"at": iso("11:45"), "from": 0.48, "to": 0.7, "trigger": None}]
    assert doc["propagation"]["milestones"] == [] and doc["propagation"]["platforms"] == []
    assert codes(doc, "gain") == ["first_response_in_time"]
    assert codes(doc, "loss") == ["kol_clarify_effect", "step_missed", "step_missed"]
    assert [f["evidence"].split("：")[0] for f in doc["findings"] if f["code"] == "step_missed"] == [
        "cs_channel",
        "lead_briefing",
    ]
    kol = next(f for f in doc["findings"] if f["code"] == "kol_clarify_effect")
    assert kol["evidence"] == "10:20 40% → 11:00 已约2位博主发布体验澄清 → 11:30 48%"
    assert doc["next_review_at"] == "2027-01-01T10:00:00+08:00"


def test_latest_for_chat_is_the_most_recent_incident(group):
    group.say("09:00", "/危机 开启 第一起", who="ou_ceo")
    group.say("09:30", "/结束", who="ou_ceo")
    group.say("10:00", "/危机 开启 第二起", who="ou_ceo")
    with Session(group.engine) as session:
        assert retro.latest_for_chat(session, group.chat_id).title == "第二起"
        assert retro.latest_for_chat(session, "oc_other") is None


# --- conventions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"), [(55 * 60, 55), (55 * 60 + 1, 55), (55 * 60 + 30, 55.5), (270 * 60 + 0.25, 270), (0, 0)]
)
def test_durations_are_whole_minutes_as_ints_else_one_decimal(seconds, expected):
    start = datetime(2026, 11, 24, 1, 10, tzinfo=UTC)
    value = retro.minutes_between(start, start + timedelta(seconds=seconds))
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 24, 18, 0), datetime(2027, 1, 1, 10, 0)),
        (datetime(2026, 3, 31, 23, 59), datetime(2026, 4, 1, 10, 0)),
        (datetime(2026, 4, 1, 0, 0), datetime(2026, 7, 1, 10, 0)),
        (datetime(2026, 9, 30, 12, 0), datetime(2026, 10, 1, 10, 0)),
    ],
)
def test_next_review_is_the_next_quarters_first_day_at_ten(local, expected):
    assert retro.next_review(local.replace(tzinfo=SH), SH) == expected.replace(tzinfo=SH)


def test_next_review_follows_the_bots_zone_not_utc():
    # 2026-03-31 17:00 UTC is already 1 April 01:00 in Shanghai: the quarter after Q2.
    assert retro.next_review(datetime(2026, 3, 31, 17, 0, tzinfo=UTC), SH).isoformat() == "2026-07-01T10:00:00+08:00"


def test_schema_rejects_times_without_offset_and_unknown_fields(group):
    doc = product_defect(group)
    naive = json.loads(json.dumps(doc))
    naive["incident"]["started_at"] = "2026-11-24T09:10:00"
    misspelt = json.loads(json.dumps(doc))
    misspelt["kpis"]["first_response_minute"] = misspelt["kpis"].pop("first_response_minutes")
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    assert not list(validator.iter_errors(doc))
    assert list(validator.iter_errors(naive)) and list(validator.iter_errors(misspelt))
