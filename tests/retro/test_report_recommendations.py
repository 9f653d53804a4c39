"""The optimization strategies and the execution timetable: every loss gets concrete recommendations from the
method, the team's actions join them, and the recommendations file of the playbook folder (validated, with the
bundled one as the default) is the one used."""

from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest

from bot.library import recommendations as recommendation_book
from bot.retro.strategies import optimization
from tests.retro.report_support import (
    AFTER_CLOSE,
    NAMES,
    empty_retro,
    html,
    losses,
    markdown,
    sample,
)
from tests.support import BUNDLED_PLAYBOOKS, SH

# --- recommendations ------------------------------------------------------------------------------------------------


def test_every_loss_gets_concrete_recommendations_from_the_method(recommendations):
    doc = sample()
    items = optimization(doc, recommendations)
    md = markdown(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    page = html(doc, tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    strategies_md = md[md.index("## 优化策略") : md.index("## 执行时间表")]
    strategies_html = page[page.index(">优化策略</h2>") : page.index(">执行时间表</h2>")]
    for loss in losses(doc):
        answering = [item for item in items if loss in item["because"]]
        assert answering, f"no recommendation for {loss['code']}: {loss['evidence']}"
        for item in answering:
            assert item["title"] in strategies_md and html_lib.escape(item["title"]) in strategies_html
            assert item["text"] in strategies_md
    by_id = {item["id"]: item for item in items}
    # the step each step_missed names picks the recommendation
    assert [f["evidence"].split("：")[0] for f in by_id["statement_prep"]["because"]] == ["formal_statement"]
    assert "4 小时内" in by_id["statement_prep"]["text"] + by_id["tiered_response"]["text"]
    assert by_id["sincere_wording"]["because"][0]["code"] == "statement_boilerplate"
    # the seed's concrete wording is there
    for phrase in (
        "负面评论占比>20%",
        "话题阅读量>500万",
        "1 小时内发布初步回应",
        "每月组织 1 次",
        "运营+市场+客服+质检",
        "口语化、共情式",
        "每季度复盘",
    ):
        assert phrase in strategies_md, phrase


def test_standing_recommendations_appear_in_every_report(recommendations):
    items = optimization(empty_retro(), recommendations)
    standing = [item["id"] for item in items if item["standing"]]
    assert standing == ["negative_alert", "monthly_drill", "emergency_team", "quarterly_review", "annual_plan"]
    text = markdown(empty_retro(), tz=SH, recommendations=recommendations, now=AFTER_CLOSE)
    assert "每月危机模拟演练" in text and "应急小组职责" in text


def test_team_actions_join_the_recommendation_they_take_up(recommendations):
    doc = sample()
    items = optimization(doc, recommendations)
    attached = {a["text"]: item["id"] for item in items for a in item["actions"]}
    assert attached == {
        "恢复灌装封口工序5%抽检，新增出厂前密封性测试": "qa_evidence",
        "小红书店铺首页上线“质量反馈入口”，24小时内响应": "feedback_entrance",
        "按产品瑕疵、竞品抹黑等四类场景各备一份声明模板，补偿权限提前由CEO授权": "statement_prep",
        "12月组织第一次小红书危机模拟演练（产品瑕疵场景）": "monthly_drill",
    }
    doc["actions"].append({"text": "给老粉丝寄手写道歉信", "owners": ["ou_mkt"], "due": "2026-12-02", "status": "open"})
    loose = optimization(doc, recommendations)[-1]
    assert (loose["id"], loose["source"], loose["title"]) == (None, "action", "给老粉丝寄手写道歉信")


def test_unknown_loss_codes_and_steps_fall_back(recommendations):
    doc = empty_retro()
    doc["findings"] = [
        {"kind": "loss", "code": "something_new", "text": "新的失分", "evidence": "—"},
        {
            "kind": "loss",
            "code": "step_missed",
            "text": "“某个新步骤”没有在时限内完成",
            "evidence": "new_step：截止 10:10，未完成",
        },
    ]
    items = optimization(doc, recommendations)
    answered = {f["code"]: sorted(i["id"] for i in items if f in i["because"]) for f in doc["findings"]}
    assert answered == {
        "something_new": sorted(recommendations["default"]),
        "step_missed": sorted(recommendations["losses"]["step_missed"]),
    }


def test_execution_timetable_lists_owners_due_dates_and_the_quarterly_review(recommendations):
    text = markdown(sample(), tz=SH, recommendations=recommendations, names=NAMES, now=AFTER_CLOSE)
    table = text[text.index("## 执行时间表") :]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert (
        "| 12月5日 | 恢复灌装封口工序5%抽检，新增出厂前密封性测试（对应：质检检测报告时限） | 赵质检 | 待完成 |"
    ) in rows
    assert (
        "| 12月10日 | 小红书店铺首页上线“质量反馈入口”，24小时内响应（对应：店铺首页质量反馈入口） "
        "| 陈客服、王运营 | 待完成 |"
    ) in rows
    assert rows[-1].startswith("| 2027年1月1日 10:00 | 季度复盘")
    # unclaimed recommendations get a suggested role and date counted from the close (11月24日)
    assert "| 12月1日 | 分级响应时限 | 建议：负责人（待认领） | 待认领 |" in rows
    assert "下次季度复盘：**2027年1月1日 10:00**" in table


def test_bundled_recommendations_are_valid_and_reference_known_steps(recommendations):
    from bot.library.playbooks import load as load_playbooks

    library = load_playbooks(BUNDLED_PLAYBOOKS)
    step_ids = {step.id for playbook in library.playbooks.values() for step in playbook.steps}
    assert set(recommendations["steps"]) <= step_ids
    assert {
        "first_response_late",
        "statement_no_remedy",
        "statement_boilerplate",
        "kol_clarify_effect",
        "step_missed",
    } <= set(recommendations["losses"])


def write_recommendations(folder: Path, text: str) -> Path:
    path = folder / recommendation_book.RECOMMENDATIONS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ITEM = (
    "    area: 流程优化\n    title: 分级响应\n    text: 一级危机由 CEO 牵头，1 小时内发布初步回应。\n"
    "    within_days: 7\n"
)


def test_a_broken_recommendations_file_names_its_path_and_field(tmp_path):
    path = write_recommendations(tmp_path, f"version: 1\nrecommendations:\n  tiered:\n{GOOD_ITEM}    role: boss\n")
    with pytest.raises(recommendation_book.RecommendationsError) as caught:
        recommendation_book.load(tmp_path)
    assert f"{path}: recommendations.tiered.role: unknown role 'boss'" in str(caught.value)

    write_recommendations(
        tmp_path,
        f"recommendations:\n  tiered:\n{GOOD_ITEM}    role: lead\n    colour: red\n"
        "losses:\n  step_missed: [tiered, drills]\n",
    )
    with pytest.raises(recommendation_book.RecommendationsError) as caught:
        recommendation_book.load(tmp_path)
    assert "recommendations.tiered.colour: unknown field" in str(caught.value)

    write_recommendations(
        tmp_path, f"recommendations:\n  tiered:\n{GOOD_ITEM}    role: lead\nlosses:\n  step_missed: [tiered, drills]\n"
    )
    with pytest.raises(recommendation_book.RecommendationsError) as caught:
        recommendation_book.load(tmp_path)
    assert f"{path}: losses.step_missed[1]: unknown recommendation 'drills'" in str(caught.value)

    write_recommendations(tmp_path, "recommendations: [unclosed\n")
    with pytest.raises(
        recommendation_book.RecommendationsError, match=r"recommendations\.yaml: line 2, column 1: YAML syntax"
    ):
        recommendation_book.load(tmp_path)


def test_a_playbook_folder_without_recommendations_uses_the_bundled_ones(tmp_path, recommendations):
    assert recommendation_book.load(tmp_path) == recommendations


def test_a_custom_recommendations_file_is_used(tmp_path):
    write_recommendations(
        tmp_path,
        f"recommendations:\n  tiered:\n{GOOD_ITEM}    role: lead\n"
        "losses:\n  step_missed: [tiered]\nstanding: [tiered]\n",
    )
    custom = recommendation_book.load(tmp_path)
    items = optimization(sample(), custom)
    assert [item["id"] for item in items if item["id"]] == ["tiered"]
    assert "1 小时内发布初步回应" in markdown(sample(), tz=SH, recommendations=custom, now=AFTER_CLOSE)
