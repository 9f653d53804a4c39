"""De-escalations (retro JSON `deescalations`, contract wave 2): consecutive negative-share samples falling by at
least 15 points, each with what the team did just before — the seed's “联动博主实测后负面评论占比从65%降至30%”."""

from __future__ import annotations

from tests.retro.scripted import RetroGroup, iso, validate


def test_a_fall_after_the_kol_clarification_names_it(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("10:00", "负面评论占比升至65%")
    group.at("11:00", "3位核心垂类博主已发布实测澄清", who="ou_mkt")
    group.at("12:00", "负面评论占比回落至30%")
    group.at("13:00", "负面评论占比25%")  # a fall of 5 points: not a de-escalation
    group.at("14:00", "/结束", who="ou_ceo")
    doc = group.retro()
    validate(doc)
    assert doc["deescalations"] == [
        {
            "at": iso("12:00"),
            "from": 0.65,
            "to": 0.3,
            "after": {"at": iso("11:00"), "text": "3位核心垂类博主已发布实测澄清"},
        }
    ]


def test_a_fall_with_nothing_done_before_it_has_no_after(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("10:00", "负面评论占比50%")
    group.at("11:00", "负面评论占比30%")
    doc = group.retro()
    assert [(d["from"], d["to"], d["after"]) for d in doc["deescalations"]] == [(0.5, 0.3, None)]


def test_a_completed_step_counts_as_what_was_done(group: RetroGroup):
    group.at("09:00", "/危机 开启 面霜结块被博主晒图", who="ou_ceo")
    group.at("09:30", "负面评论占比40%")
    group.at("10:00", "已开通专项客服通道", who="ou_cs")
    group.at("11:00", "负面评论占比20%")
    doc = group.retro()
    [fall] = doc["deescalations"]
    assert fall["after"]["at"] == iso("10:00")
    assert "专项客服通道" in fall["after"]["text"]
