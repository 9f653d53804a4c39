"""The bundled playbooks keep the contract (step ids, roles, the seed's deadlines), and a broken
playbook is reported as one line naming the file, the field and the reason — by the loader and by
`crisisbot check`."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from bot.library.playbooks import Playbook, PlaybookError, parse
from bot.library.roles import ROLES
from tests.support import ROOT, run_cli

BUNDLED = ROOT / "playbooks"
BROKEN = ROOT / "tests" / "fixtures" / "broken_playbooks"
SCENARIOS = ("product_defect", "content_misleading", "service_lag", "competitor_smear")

# The seed (分级响应): 一级危机（话题阅读量>500万）需CEO牵头，1小时内发布初步回应，4小时内出正式方案；
# 二级危机由运营团队负责，2小时内回应。These literals are the method's numbers, not the YAML's.
SEED_FIRST_RESPONSE = {1: timedelta(hours=1), 2: timedelta(hours=2)}
SEED_FORMAL_PLAN_LEVEL_1 = timedelta(hours=4)
SEED_QA_REPORT_WITHIN = timedelta(hours=24)  # 质检负责提供检测报告, within the 24 h the method gives for responses

# Contract step ids (DESIGN.md, "Playbooks"): id → (role, approver) in every scenario playbook ...
COMMON_STEPS = {
    "first_response": ("ops", None),
    "cs_channel": ("support", None),
    "formal_statement": ("marketing", "lead"),
}
# ... and the scenario-specific ones: id → role.
SCENARIO_STEPS = {
    "product_defect": {"qa_report": "qa", "kol_clarify": "marketing"},
    "content_misleading": {"kol_clarify": "marketing", "content_fix": "marketing"},
    "service_lag": {"cs_backlog": "support"},
    "competitor_smear": {"evidence_pack": "ops", "kol_clarify": "marketing"},
}


def run_check(cwd: Path, playbook_dir: Path) -> subprocess.CompletedProcess:
    return run_cli(["check"], cwd, PLAYBOOK_DIR=str(playbook_dir))


@pytest.fixture(scope="module")
def library():
    return parse(BUNDLED)


@pytest.fixture(params=SCENARIOS)
def playbook(request, library) -> Playbook:
    assert request.param in library.playbooks, f"bundled playbook {request.param} is missing"
    return library.playbooks[request.param]


# --- the bundled playbooks -------------------------------------------------------------------


def test_bundled_folder_has_every_scenario(library):
    assert set(SCENARIOS) <= set(library.playbooks)


def test_contract_steps_and_roles(playbook):
    for step_id, (role, approver) in COMMON_STEPS.items():
        step = playbook.step(step_id)
        assert step is not None, f"{playbook.id}: missing step {step_id}"
        assert step.role == role, f"{playbook.id}.{step_id}"
        assert step.approver == approver, f"{playbook.id}.{step_id}"
        assert step.when is None, f"{playbook.id}.{step_id} must apply in every crisis"
    for step_id, role in SCENARIO_STEPS[playbook.id].items():
        step = playbook.step(step_id)
        assert step is not None, f"{playbook.id}: missing step {step_id}"
        assert step.role == role, f"{playbook.id}.{step_id}"


def test_scenario_evidence_steps_are_unconditional(library):
    assert library.playbooks["product_defect"].step("qa_report").when is None
    evidence = library.playbooks["competitor_smear"].step("evidence_pack")
    assert evidence.when is None and evidence.approver == "lead"


def test_seed_deadlines(playbook):
    first = playbook.step("first_response")
    formal = playbook.step("formal_statement")
    assert first.deadline == SEED_FIRST_RESPONSE
    assert first.deadline[1] == timedelta(hours=1) and first.deadline[2] == timedelta(hours=2)
    assert formal.deadline[1] == SEED_FORMAL_PLAN_LEVEL_1 == timedelta(hours=4)
    # the formal statement comes after the initial response at either level
    assert formal.deadline[2] > first.deadline[2]
    # the statement points users to the support channel, so the channel exists by then
    assert playbook.step("cs_channel").deadline[1] <= formal.deadline[1]
    assert playbook.step("cs_channel").deadline[2] <= formal.deadline[2]


def test_qa_report_within_a_day(library):
    assert max(library.playbooks["product_defect"].step("qa_report").deadline.values()) <= SEED_QA_REPORT_WITHIN


def test_level_1_is_never_slower_than_level_2(playbook):
    for step in playbook.steps:
        assert step.deadline[1] <= step.deadline[2], f"{playbook.id}.{step.id}"


def test_steps_use_the_playbooks_roles(playbook):
    for step in playbook.steps:
        assert step.role in playbook.roles, f"{playbook.id}.{step.id}: {step.role} not in roles"
        assert step.approver is None or step.approver in playbook.roles, f"{playbook.id}.{step.id}"
        assert step.approver != step.role, f"{playbook.id}.{step.id}: a role cannot approve its own step"
    assert set(playbook.roles) <= set(ROLES)


def test_reminders_come_before_the_deadline(playbook):
    for step in playbook.steps:
        shortest = min(step.deadline.values())
        assert step.remind_before < shortest, f"{playbook.id}.{step.id}"
        assert step.escalate_after <= shortest, f"{playbook.id}.{step.id}"


def test_done_phrases_are_unambiguous_within_a_role(playbook):
    """A message completing one step must not also complete another step of the same role."""
    for step in playbook.steps:
        assert step.done_when, f"{playbook.id}.{step.id} has no done_when phrases"
        assert step.title.strip() and step.hint.strip(), f"{playbook.id}.{step.id}"
    for a in playbook.steps:
        for b in playbook.steps:
            if a.id == b.id or a.role != b.role:
                continue
            for pa in a.done_when:
                for pb in b.done_when:
                    assert pa not in pb, f"{playbook.id}: {a.id} phrase {pa!r} is inside {b.id} phrase {pb!r}"


def test_no_placeholders(playbook):
    text = (BUNDLED / f"{playbook.id}.yaml").read_text(encoding="utf-8")
    for marker in ("TODO", "TBD", "XXX", "待补充", "<", "lorem"):
        assert marker not in text, f"{playbook.id}.yaml contains {marker!r}"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("博主晒出面霜漏液，用了烂脸", "product_defect"),
        ("种草笔记写“100%有效”，被骂虚假宣传智商税", "content_misleading"),
        ("客服已读不回，退款拖了半个月", "service_lag"),
        ("疑似竞品水军带节奏，造谣我们产品有问题", "competitor_smear"),
    ],
)
def test_titles_suggest_the_right_playbook(library, title, expected):
    assert library.suggest(title)[0] == expected


def test_check_passes_on_the_bundled_folder(tmp_path):
    result = run_check(tmp_path, BUNDLED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")


# --- broken playbooks: one problem each, reported as `path: field: reason` -------------------

BROKEN_CASES = {
    # folder: (file, field path, words of the reason); list items are named by their id
    "bad_yaml": ("product_defect.yaml", "line 20, column 14", ("YAML syntax", "expected ',' or '}'")),
    "unknown_role": ("product_defect.yaml", "steps[formal_statement].role", ("unknown role 'pr'", "marketing")),
    "missing_deadline": ("product_defect.yaml", "steps[formal_statement].deadline", ("missing deadline for level 2",)),
    "duplicate_step": ("product_defect.yaml", "steps", ("duplicate step id 'first_response'",)),
    "bad_duration": (
        "product_defect.yaml",
        "steps[formal_statement].deadline.2",
        ("'2 hours' is not a duration", "30m"),
    ),
    "negative_duration": ("product_defect.yaml", "steps[first_response].remind_before", ("'-5m'", "must be positive")),
    "unknown_field": ("product_defect.yaml", "owner", ("unknown field",)),
    "id_mismatch": ("product_defect.yaml", "id", ("'product_defects' must equal the file name 'product_defect'",)),
    "ratio_as_percent": (
        "product_defect.yaml",
        "steps[formal_statement].when.negative_ratio_above",
        ("less than 1", "0.30 means 30%"),
    ),
}


def test_every_fixture_folder_is_tested():
    assert {p.name for p in BROKEN.iterdir() if p.is_dir()} == set(BROKEN_CASES)


def expected_prefix(case: str) -> str:
    file, field, _ = BROKEN_CASES[case]
    prefix = f"{BROKEN / case / file}: "
    return prefix if field is None else f"{prefix}{field}: "


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_parse_reports_one_line_naming_file_field_and_reason(case):
    with pytest.raises(PlaybookError) as caught:
        parse(BROKEN / case)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(expected_prefix(case)), line
    for words in BROKEN_CASES[case][2]:
        assert words in line, line


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_check_exits_1_printing_the_problem(tmp_path, case):
    result = run_check(tmp_path, BROKEN / case)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("playbook: ")]
    assert len(problems) == 1, result.stderr
    assert problems[0].startswith("playbook: " + expected_prefix(case)), problems[0]
    for words in BROKEN_CASES[case][2]:
        assert words in problems[0]
    assert "1 problem(s) found" in result.stderr
