"""The one YAML loader: every data file of a playbook folder is read from the folder it is given, and a broken
edit keeps the last good version (the lexicon included)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.library import lexicon, playbooks
from bot.library.loader import DataFileError, validated
from tests.support import BUNDLED_PLAYBOOKS


def touch_later(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))  # a new mtime even on coarse file systems


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    touch_later(path)


def test_the_lexicon_is_read_from_the_folder_given(playbook_copy):
    edit(playbook_copy / "lexicon.yaml", "topic_reads: [", "topic_reads: [话题围观, ")
    assert "话题围观" in lexicon.load(playbook_copy).metrics["topic_reads"]
    assert "话题围观" not in lexicon.load(BUNDLED_PLAYBOOKS).metrics["topic_reads"]


def test_a_broken_lexicon_edit_keeps_the_last_good_version(playbook_copy):
    good = lexicon.load(playbook_copy)
    edit(playbook_copy / "lexicon.yaml", "platforms:", "platforms:\n  tiktok: [TT]")
    assert lexicon.load(playbook_copy) == good
    assert "tiktok" in (lexicon.current_error(playbook_copy) or "")
    with pytest.raises(lexicon.LexiconError):  # `crisisbot check` still sees the file as it is
        lexicon.parse(playbook_copy / "lexicon.yaml")


def test_a_lexicon_that_never_loaded_fails_with_its_path(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("metrics: [unclosed\n", encoding="utf-8")
    with pytest.raises(lexicon.LexiconError) as caught:
        lexicon.load(tmp_path)
    assert str(tmp_path / "lexicon.yaml") in str(caught.value) and "YAML syntax" in str(caught.value)


def test_a_missing_lexicon_is_an_error_not_the_bundled_one(tmp_path):
    with pytest.raises(lexicon.LexiconError) as caught:
        lexicon.load(tmp_path)
    assert str(tmp_path / "lexicon.yaml") in str(caught.value)


def test_the_playbooks_and_severity_are_read_from_the_folder_given(playbook_copy):
    edit(playbook_copy / "severity.yaml", "above: 5000000", "above: 3000000")
    [copy_rule] = playbooks.load(playbook_copy).severity.levels[1].enter_when
    [bundled_rule] = playbooks.load(BUNDLED_PLAYBOOKS).severity.levels[1].enter_when
    assert (copy_rule.metric, copy_rule.above, bundled_rule.above) == ("topic_reads", 3_000_000, 5_000_000)


def test_validated_names_the_file_the_field_and_the_reason(tmp_path):
    path = tmp_path / "severity.yaml"
    path.write_text("levels:\n  1: {name: 一级, lead_role: boss, summary: x}\n", encoding="utf-8")
    problems: list[str] = []
    assert validated(path, playbooks.Severity, problems) is None
    assert problems == [f"{path}: levels.1.lead_role: unknown role 'boss'; known: lead, ops, marketing, support, qa"]


def test_every_data_file_error_is_a_data_file_error():
    assert issubclass(playbooks.PlaybookError, DataFileError) and issubclass(lexicon.LexiconError, DataFileError)
