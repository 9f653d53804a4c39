"""The retro JSON of the issue's acceptance scenario (a product defect) driven through the real pipeline, with
answers worked out by hand from the script and checked exactly; the document validated against
schemas/retro.schema.json."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator, FormatChecker

from tests.retro.scripted import SCHEMA, RetroGroup, codes, iso, steps_of, times_in, validate


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- the acceptance scenario: product defect ---------------------------------------------------------------

INITIAL = "【初步回应】看到大家的反馈真的很抱歉，已经私信首发博主了解批次，客服专项通道今天18点前回复每一位朋友。"
FORMAL = (
    "【正式声明】关于近期部分用户反馈的面霜瑕疵问题，真的很抱歉让大家失望了。我们已封存涉事批次并送第三方检测，"
    "涉事批次3天内可申请全额退款，私信专属客服即可办理。检测报告出来后公布在这条笔记下。"
)
KOL_REPOST = "某美妆KOL转发了首发笔记，评论区开始带节奏"
KOL_CLARIFY = "3位核心垂类博主已发布实测澄清"
WEIBO = "微博上也有人搬运了首发笔记，已上热搜"


def product_defect(group: RetroGroup) -> dict:
    group.at("09:20", "/危机 开启 面霜瑕疵被博主晒图 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    group.at("10:00", "话题阅读量3.2万")
    group.at("10:05", INITIAL)
    group.at("10:30", "负面评论占比30%")
    group.at("10:40", "已开通专项客服通道", who="ou_cs")
    group.at("11:00", KOL_REPOST)
    group.at("11:10", "负面评论占比升至65%")
    group.at("11:30", "话题阅读量破620万")
    group.at("11:50", "涉事批次已锁定，已封存留样", who="ou_qa")
    group.at("12:00", WEIBO)
    group.at("13:40", FORMAL, who="ou_mkt")
    group.at("16:00", KOL_CLARIFY, who="ou_mkt")
    group.at("16:30", "负面评论占比回落至30%")
    group.at("18:00", "/危机 结束", who="ou_ceo")
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
    # 10:05 − 09:10 = 55; 13:40 − 09:10 = 4 h 30 = 270; peaks 65 % and 620万. Steps due by the 18:00 close: 6 of
    # the 8 (qa_report and kol_clarify are due the next day), 3 of them met.
    assert doc["kpis"] == {
        "first_response_minutes": 55,
        "formal_statement_minutes": 270,
        "statement_has_remedy": True,
        "peak_negative_ratio": 0.65,
        "peak_topic_reads": 6200000,
        "steps_met": 3,
        "steps_total": 6,
    }
    assert isinstance(doc["kpis"]["first_response_minutes"], int)
    assert isinstance(doc["kpis"]["peak_topic_reads"], int)

    assert doc["escalations"] == [
        {"at": iso("11:10"), "from": 0.3, "to": 0.65, "trigger": {"at": iso("11:00"), "text": KOL_REPOST}}
    ]
    [change] = doc["level_changes"]
    assert (change["at"], change["from"], change["to"]) == (iso("11:30"), 2, 1)
    assert change["reason"] == "话题阅读 620万 超过 500万"  # stored as data, worded by the template

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
            # 3.2万 was the first reading: 1万 had been passed before anything was recorded
            {"metric": "topic_reads", "threshold": 10000, "at": iso("10:00"), "at_first_sample": True},
            {"metric": "topic_reads", "threshold": 100000, "at": iso("11:30"), "at_first_sample": False},
            {"metric": "topic_reads", "threshold": 1000000, "at": iso("11:30"), "at_first_sample": False},
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
    # 30% at the close is still above the 20% alert line: the KOL clarification helped, the crisis is not over.
    assert codes(doc, "loss") == ["negative_above_alert", "step_missed", "step_missed", "step_missed"]
    alert = next(f for f in doc["findings"] if f["code"] == "negative_above_alert")
    assert "30%" in alert["text"] and "65%" in alert["text"] and "16:30" in alert["evidence"]
    losses = [f["evidence"] for f in doc["findings"] if f["code"] == "step_missed"]
    assert [e.split("：")[0] for e in losses] == ["lead_briefing", "formal_statement", "segment_reply"]
    assert "13:10" in losses[1] and "13:40" in losses[1]
    remedy = next(f for f in doc["findings"] if f["code"] == "statement_has_remedy")
    assert "3天内可申请全额退款" in remedy["evidence"]
    kol = next(f for f in doc["findings"] if f["code"] == "kol_clarify_effect")
    assert "65%" in kol["evidence"] and "30%" in kol["evidence"] and KOL_CLARIFY in kol["evidence"]

    assert doc["actions"] == []
    assert doc["root_causes"] == {"surface": [], "deep": []}
    assert doc["next_review_at"] == "2027-01-04T10:00:00+08:00"  # the first working day of 2027's first quarter
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
    assert doc["timeline"][3] == {
        "at": iso("10:05"),
        "kind": "statement",
        "author": "ou_ops",
        "author_name": "王运营",  # the roster's name (wave 2: names beside ids)
        "text": INITIAL,
    }

    every_time = times_in(doc)
    assert len(every_time) > 40 and all(value.endswith("+08:00") for value in every_time)


def test_retro_is_the_same_when_compiled_again(group):
    first = product_defect(group)
    assert group.retro() == first


def test_schema_rejects_times_without_offset_and_unknown_fields(group):
    doc = product_defect(group)
    naive = json.loads(json.dumps(doc))
    naive["incident"]["started_at"] = "2026-11-24T09:10:00"
    misspelt = json.loads(json.dumps(doc))
    misspelt["kpis"]["first_response_minute"] = misspelt["kpis"].pop("first_response_minutes")
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    assert not list(validator.iter_errors(doc))
    assert list(validator.iter_errors(naive)) and list(validator.iter_errors(misspelt))
