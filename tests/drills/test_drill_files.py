"""Drill scenario files (PLAYBOOK_DIR/drills/*.yaml): the bundled ones follow the schema and exercise the real
severity rules; broken files are reported field by field, by the loader and by `crisisbot check`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.library.drills import parse as parse_drills
from bot.library.playbooks import PlaybookError
from bot.library.playbooks import parse as parse_playbooks
from tests.drills.drill_group import CONTRACT_METRICS, TEST_SCENARIO, scenario_folder
from tests.support import BUNDLED_PLAYBOOKS, ROOT


def test_bundled_drill_scenarios_follow_the_schema():
    drills = parse_drills(BUNDLED_PLAYBOOKS)
    library = parse_playbooks(BUNDLED_PLAYBOOKS)
    by_name = {s.name: s for s in drills.scenarios.values()}
    assert {"产品瑕疵", "竞品抹黑"} <= set(by_name)  # the two scenarios the method names
    assert by_name["产品瑕疵"].playbook == "product_defect" and by_name["竞品抹黑"].playbook == "competitor_smear"
    for scenario in drills.scenarios.values():
        assert scenario.playbook in library.playbooks
        offsets = [inject.at for inject in scenario.injects]
        assert offsets == sorted(offsets) and offsets[0] == 0 and scenario.end >= offsets[-1]
        metrics = [inject.metric for inject in scenario.injects if inject.metric]
        assert {m.name for m in metrics} <= CONTRACT_METRICS
        # Every scenario exercises the real severity rules: the 20% alert and the 5,000,000-reads level 1.
        assert any(m.name == "negative_ratio" and m.value > 0.20 for m in metrics), scenario.id
        assert any(m.name == "topic_reads" and m.value > 5_000_000 for m in metrics), scenario.id
        for inject in scenario.injects:  # a "#" after a space in plain YAML starts a comment: texts stay whole
            assert len(inject.text) >= 15 and "小红书" in "".join(i.text for i in scenario.injects), inject.text


def variant(file_id: str, name: str, old: str, new: str) -> str:
    """The test scenario renamed to `file_id` / `name`, with one edit."""
    renamed = TEST_SCENARIO.replace("id: lotion_test", f"id: {file_id}").replace("name: 测试瑕疵", f"name: {name}")
    return renamed.replace(old, new)


BROKEN = {
    "out_of_order.yaml": (
        variant("out_of_order", "乱序", "  - at: 40", "  - at: 10"),
        "out_of_order.yaml: injects[2].at: 10 comes before the previous inject (20)",
    ),
    "bad_metric.yaml": (
        variant("bad_metric", "坏指标", "name: negative_ratio, value: 0.35", "name: views, value: 35"),
        "bad_metric.yaml: injects[1].metric.name: unknown metric 'views'",
    ),
    "percent.yaml": (
        variant("percent", "百分比", "value: 0.35", "value: 35"),
        "percent.yaml: injects[1].metric: negative_ratio is a fraction from 0 to 1",
    ),
    "no_playbook.yaml": (
        variant("no_playbook", "无预案", "playbook: product_defect", "playbook: recall"),
        "no_playbook.yaml: playbook: unknown playbook 'recall'",
    ),
    "early_end.yaml": (
        variant("early_end", "早结束", "end: 150", "end: 60"),
        "early_end.yaml: end: 60 is before the last inject (90)",
    ),
    "no_metric.yaml": (
        variant("no_metric", "缺数据", "    metric: {name: topic_reads, value: 6200000}\n", ""),
        "no_metric.yaml: injects[3]: an inject of kind metric needs a metric",
    ),
    "bad_yaml.yaml": ("id: bad_yaml\ninjects: [unclosed\n", "bad_yaml.yaml: line 3, column 1: YAML syntax"),
}


def broken_folder(tmp_path: Path) -> Path:
    folder = scenario_folder(tmp_path)
    for name, (text, _) in BROKEN.items():
        (folder / "drills" / name).write_text(text, encoding="utf-8")
    return folder


def test_broken_drill_files_are_reported_with_file_field_and_reason(tmp_path):
    folder = broken_folder(tmp_path)
    with pytest.raises(PlaybookError) as caught:
        parse_drills(folder)
    lines = str(caught.value).splitlines()
    for _, expected in BROKEN.values():
        assert any(expected in line for line in lines), expected
    assert not any("lotion_test.yaml" in line for line in lines)  # the good file is not blamed


def test_crisisbot_check_fails_on_a_broken_drill_file(tmp_path):
    folder = broken_folder(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEISHU_", "DATABASE_URL", "PLAYBOOK_DIR"))}
    env.update(PYTHONPATH=str(ROOT), PLAYBOOK_DIR=str(folder))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"playbook: {folder / 'drills' / 'out_of_order.yaml'}: injects[2].at: 10 comes before" in result.stderr
    assert "early_end.yaml: end: 60 is before the last inject (90)" in result.stderr
    good = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env={**env, "PLAYBOOK_DIR": str(scenario_folder(tmp_path / "good"))},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
