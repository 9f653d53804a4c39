"""`crisisbot playbooks export`: the annual risk plan, run as a user runs it, checked against the YAML files."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.clock.format import format_duration
from bot.core.labels import role as role_label
from tests.support import ROOT, run_cli

BUNDLED = ROOT / "playbooks"
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def export(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run_cli(["playbooks", "export", *args], cwd, **env)


def minutes(value: object) -> int:
    if isinstance(value, int):
        return value
    days, hours, mins = (int(g or 0) for g in _DURATION.match(str(value).replace(" ", "")).groups())
    return days * 1440 + hours * 60 + mins


def scenario_files(folder: Path) -> list[dict]:
    skip = {"severity.yaml", "lexicon.yaml"}
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml")) if p.name not in skip]


def section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def row(block: str, starts: str) -> list[str]:
    lines = [line for line in block.splitlines() if line.startswith(f"| {starts}")]
    assert len(lines) == 1, (starts, lines)
    return [cell.strip() for cell in lines[0].strip().strip("|").split(" | ")]


def test_step_tables_come_from_the_yaml(tmp_path):
    result = export(tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    playbooks = scenario_files(BUNDLED)
    assert len(playbooks) == 4
    for playbook in playbooks:
        block = section(text, f"场景预案：{playbook['name']}")
        for number, step in enumerate(playbook["steps"], start=1):
            cells = row(block, f"{number}. {step['title']}（{step['id']}）")
            only = (step.get("when") or {}).get("level")
            expected = [
                format_duration(minutes(step["deadline"][level])) if only in (None, level) else "不适用"
                for level in (1, 2)
            ]
            assert cells[1] == role_label(step["role"]), step["id"]
            assert cells[2] == (role_label(step["approver"]) if step.get("approver") else "—"), step["id"]
            assert cells[3:5] == expected, step["id"]
            for phrase in step.get("done_when", []):
                assert f"“{phrase}”" in cells[6], (step["id"], phrase)
    defect = section(text, "场景预案：产品质量问题")
    assert row(defect, "1. ")[3:5] == ["1小时", "2小时"]
    assert row(defect, "2. ")[3:6] == ["1小时", "不适用", "仅一级危机"]


def test_thresholds_come_from_severity_yaml(tmp_path):
    severity = yaml.safe_load((BUNDLED / "severity.yaml").read_text(encoding="utf-8"))
    reads = severity["levels"][1]["enter_when"][0]["above"]
    alert = severity["alert"]["negative_ratio_above"]
    assert (f"{reads / 10_000:g}万", f"{alert * 100:g}%") == ("500万", "20%")
    text = export(tmp_path).stdout
    levels = section(text, "分级标准与响应时限")
    assert row(levels, "一级危机")[1:5] == ["话题阅读量超过500万", "负责人", "1小时", "4小时"]
    assert row(levels, "二级危机")[2:5] == ["运营", "2小时", "8小时"]
    alerts = section(text, "预警阈值")
    assert "负面评论占比超过 **20%** 即启动响应" in alerts
    assert "话题阅读量超过 **500万**" in alerts


def test_headings_in_order_and_standing_improvements(tmp_path):
    text = export(tmp_path).stdout
    assert text.startswith("# 小红书危机应对预案（年度风险预案）\n")
    names = [p["name"] for p in scenario_files(BUNDLED)]
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "分级标准与响应时限",
        "预警阈值",
        *[f"场景预案：{n}" for n in names],
        "对外回应准则",
        "复盘与跟进节奏",
        "常设改进项",
    ]
    book = yaml.safe_load((BUNDLED / "retro" / "recommendations.yaml").read_text(encoding="utf-8"))
    standing = section(text, "常设改进项")
    titles = [book["recommendations"][rid]["title"] for rid in book["standing"]]
    positions = [standing.index(f"**{title}**") for title in titles]
    assert positions == sorted(positions) and len(titles) == 5
    assert re.search(r"生成日期：\d{4}年\d{1,2}月\d{1,2}日", text)


def test_response_guidelines_and_cadence(tmp_path):
    text = export(tmp_path, DRILL_DAY="20", REVIEW_WORKDAY="3", REVIEW_TIME="09:30").stdout
    rules = section(text, "对外回应准则")
    assert "| “高度重视” |" in rules and "“100%有效”" in rules and "“个别用户”" in rules
    assert "3天内可申请全额退款" in rules
    cadence = section(text, "复盘与跟进节奏")
    assert "每季度第 3 个工作日 09:30" in cadence
    assert "每月 20 日 10:00" in cadence
    assert "危机概述”→“全链路数据”→“根源分析”→“应对得失”→“优化策略”→“执行时间表" in cadence


def test_a_changed_deadline_changes_the_document(tmp_path):
    folder = tmp_path / "pb"
    shutil.copytree(BUNDLED, folder)
    path = folder / "product_defect.yaml"
    source = path.read_text(encoding="utf-8")
    assert source.count("deadline: {1: 4h, 2: 8h}") == 1
    path.write_text(source.replace("deadline: {1: 4h, 2: 8h}", "deadline: {1: 3h30m, 2: 8h}"), encoding="utf-8")
    out = tmp_path / "plan.md"
    result = export(tmp_path, "--out", str(out), PLAYBOOK_DIR=str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    defect = section(text, "场景预案：产品质量问题")
    assert row(defect, "5. 发布正式声明")[3:5] == ["3小时30分钟", "8小时"]
    assert row(section(text, "分级标准与响应时限"), "一级危机")[4] == "3小时30分钟–4小时"
    bundled = export(tmp_path).stdout
    assert row(section(bundled, "场景预案：产品质量问题"), "5. 发布正式声明")[3] == "4小时"


def test_broken_yaml_exits_1_with_the_precise_line_and_writes_nothing(tmp_path):
    folder = tmp_path / "pb"
    shutil.copytree(BUNDLED, folder)
    path = folder / "product_defect.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("deadline: {1: 4h, 2: 8h}", "deadline: {1: soon, 2: 8h}"),
        encoding="utf-8",
    )
    (folder / "service_lag.yaml").write_text("steps: [unclosed\n", encoding="utf-8")
    out = tmp_path / "plan.md"
    result = export(tmp_path, "--out", str(out), PLAYBOOK_DIR=str(folder))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert (
        f"playbook: {path}: steps[formal_statement].deadline.1: 'soon' is not a duration like 30m, 2h, 1h30m or 1d"
    ) in lines
    assert any(
        line.startswith(f"playbook: {folder / 'service_lag.yaml'}: line 2, column 1: YAML syntax") for line in lines
    ), lines
    assert not out.exists() and result.stdout == ""


def test_broken_recommendations_exit_1(tmp_path):
    folder = tmp_path / "pb"
    shutil.copytree(BUNDLED, folder)
    (folder / "retro" / "recommendations.yaml").write_text("recommendations: [unclosed\n", encoding="utf-8")
    result = export(tmp_path, PLAYBOOK_DIR=str(folder))
    assert result.returncode == 1 and result.stdout == ""
    assert f"{folder / 'retro' / 'recommendations.yaml'}: line 2, column 1: YAML syntax" in result.stderr


def test_drill_scenarios_are_listed_and_a_broken_one_stops_the_export(tmp_path):
    drills = sorted((BUNDLED / "drills").glob("*.yaml"))
    if not drills:
        pytest.skip("no bundled drill scenarios")
    names = [yaml.safe_load(p.read_text(encoding="utf-8"))["name"] for p in drills]
    cadence = section(export(tmp_path).stdout, "复盘与跟进节奏")
    for name in names:
        assert f"  - {name}：演练“" in cadence, name
    folder = tmp_path / "pb"
    shutil.copytree(BUNDLED, folder)
    broken = folder / "drills" / drills[0].name
    broken.write_text("injects: [unclosed\n", encoding="utf-8")
    result = export(tmp_path, PLAYBOOK_DIR=str(folder))
    assert result.returncode == 1 and result.stdout == ""
    assert f"playbook: {broken}: line 2, column 1: YAML syntax" in result.stderr
