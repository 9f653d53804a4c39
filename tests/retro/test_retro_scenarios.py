"""The retro JSON of two more scripted incidents (a late, boilerplate-laden response without a remedy; a
competitor smear without a formal statement), answers worked out by hand from the script."""

from __future__ import annotations

from sqlmodel import Session

from bot.incidents.models import Incident
from bot.timeline import service as timeline
from tests.retro.scripted import codes, iso, steps_of, t, validate

# --- content misleading: late, boilerplate-laden response, a formal statement without a remedy ---------------------

INITIAL_BOILERPLATE = "【初步回应】我们高度重视大家的反馈，深表歉意，后续会妥善处理。"
FORMAL_NO_REMEDY = (
    "【正式声明】关于种草笔记里夸大的说法，是我们没做好，真的很抱歉让大家失望了。"
    "我们已经下架相关笔记，后续会妥善处理大家的诉求，也会重新审核所有合作笔记。"
)


def test_content_misleading_without_a_concrete_remedy(group):
    group.at("09:00", "/危机 开启 种草笔记夸大宣传被指虚假 类型=content_misleading 级别=2", who="ou_ceo")
    group.at("09:30", "负面评论占比25%")
    group.at("10:00", "抖音上有博主发视频质疑种草文案")
    group.at("10:20", "负面评论占比升至45%")
    group.at("11:15", INITIAL_BOILERPLATE)
    group.at("12:00", "媒体报道了这件事")
    group.at("12:30", "已开通专项客服通道", who="ou_cs")
    group.at("13:00", "/数据 话题阅读 120万 微博")
    group.at("14:30", FORMAL_NO_REMEDY, who="ou_mkt")
    group.at("15:00", "负面评论占比50%")
    group.at("15:30", "夸大文案已修改", who="ou_mkt")
    group.at("16:00", "/结束", who="ou_ceo")
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
        "steps_total": 4,  # seeding_audit and kol_clarify are due two days after the 16:00 close
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
        "negative_above_alert",  # still above 20% at the close
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
    assert "2小时15分钟才回应" in late["text"] and "时限2小时" in late["text"]
    assert next(f for f in doc["findings"] if f["code"] == "step_missed")["evidence"].startswith("content_fix")


# --- competitor smear: no formal statement, root causes, an escalation of exactly 15 points -----------------------


def test_competitor_smear_without_a_formal_statement(group):
    group.at("10:00", "/危机 开启 竞品水军造谣面霜含激素 类型=competitor_smear 开始=09:30", who="ou_ceo")
    group.at("10:05", "09:50 发现小号集中发布摆拍笔记")
    group.at(
        "10:10",
        "【初步回应】看到有朋友担心成分问题，真的很抱歉让大家担心了。"
        "检测报告今天18点前公布在这条笔记下，有疑问可以私信专属客服。",
    )
    group.at("10:30", "负面评论占比20%")
    group.at("11:00", "多个大V在微博转发了造谣笔记")
    group.at("11:20", "负面评论占比35%")
    group.at("11:40", "检测报告已调出", who="ou_qa")
    group.at("12:00", "话题阅读量破80万")
    group.at("14:00", "证据包已整理好")
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
    group.at("18:00", "/结束", who="ou_ceo")
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
        "steps_total": 5,  # kol_clarify is due two days after the 18:00 close
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
        ("negative_above_alert", "11:20 负面占比 35%（预警线 20%；峰值 35%，11:20）"),  # 35% at the last sample
        ("step_missed", "cs_channel"),
        ("step_missed", "formal_statement"),
    ]
    assert [tuple(e.values()) for e in doc["timeline"][:3]] == [
        (iso("09:30"), "detection", "ou_ceo", "周总", "危机开始（发现时间）：竞品水军造谣面霜含激素"),
        (iso("09:50"), "detection", "ou_ops", "王运营", "发现小号集中发布摆拍笔记"),
        (iso("10:00"), "system", "ou_ceo", "周总", "开启危机事件：竞品水军造谣面霜含激素"),
    ]
