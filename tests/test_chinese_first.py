"""Chinese is the primary language of every reply and English the alias (issue 12, item 9): every command has a
Chinese form (`/改进 列表` for `/actions`), typo hints name the Chinese form, a word near no command gets the
short Chinese help, `/帮助` puts the Chinese form first, and no text the bot says carries a space left by YAML
line folding. Through the real pipeline (the sandbox chat driver)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.core.bundled import TEMPLATES
from bot.library.loader import read_yaml
from bot.scheduling import sweep
from tests.support import BUNDLED_PLAYBOOKS, table_counts

# The contract's pairs (DESIGN.md, chat commands): the Chinese form, then its English alias.
PAIRS = [
    ("危机 开启", "crisis open"),
    ("角色", "role"),
    ("记录", "log"),
    ("数据", "metric"),
    ("声明", "statement"),
    ("完成", "done"),
    ("状态", "status"),
    ("草拟", "draft"),
    ("根因", "root"),
    ("改进", "action"),
    ("改进 列表", "actions"),
    ("复盘", "retro"),
    ("补救", "remedy"),
    ("帮助", "help"),
    ("季度复盘", "review"),
    ("演练 开始", "drill start"),
    ("预案", "playbook"),
]
# Spaces next to full-width punctuation (“涉及多少货， 让声明”), never right in Chinese text; a Markdown table
# cell border (`） |`) is not text.
ARTEFACT = re.compile(r"[，。、；：！？）】」』][ \t]+[^\s|]|[^\s|][ \t]+[，。、；：！？）】」』]|[（【「『][ \t]")


def _rows(db_url: str) -> dict[str, int]:
    """Rows per table, leaving out the inbox and outbox every message goes through."""
    return {name: n for name, n in table_counts(db_url).items() if "inbox" not in name and "outbox" not in name}


@pytest.mark.parametrize("listing", ["/改进 列表", "/action list", "/actions"])
def test_the_chinese_action_listing_lists_and_creates_nothing(chat, db_url, listing):
    chat.say("/危机 开启 面霜过敏")
    chat.say("/改进 店铺首页加质量反馈入口 @王运营 截止=2026-12-15", mentions=(("ou_ops", "王运营"),), minutes=1)
    before = _rows(db_url)
    [reply] = chat.say(listing, minutes=2)
    assert "店铺首页加质量反馈入口" in reply and "2026-12-15" in reply
    assert _rows(db_url) == before


def test_a_chinese_typo_gets_a_chinese_hint_naming_the_chinese_form(chat):
    [reply] = chat.say("/危急 开启 面霜过敏")
    assert reply.text.startswith("没有 /危急 这个命令")
    assert "/危机 开启" in reply.text and "/crisis open" not in reply.text
    assert reply.text.index("/危机") < reply.text.index("/crisis")


def test_an_english_typo_is_answered_with_the_chinese_form_first(chat):
    [reply] = chat.say("/stauts")
    assert reply.text.index("/状态") < reply.text.index("/status")


def test_a_word_near_no_command_gets_the_short_chinese_help(chat):
    [reply] = chat.say("/foo")
    assert "/root" not in reply.text and "你是不是" not in reply.text
    assert "/危机" in reply.text and "/帮助" in reply.text
    assert len(reply.text.splitlines()) == 1  # short: one line, the full list is /帮助


@pytest.mark.parametrize("command", ["/帮助", "/help"])
def test_help_shows_the_chinese_form_before_the_english_one(chat, command):
    [reply] = chat.say(command)
    text = reply.text
    for chinese, english in PAIRS:
        zh = re.search(rf"/{chinese}(?![\u4e00-\u9fff])", text)
        en = re.search(rf"/{english}(?![a-z])", text)
        assert zh and en, (chinese, english)
        assert zh.start() < en.start(), (chinese, english)
    for line in text.splitlines():
        if line.startswith("/"):
            assert re.match(r"/[\u4e00-\u9fff]", line), line  # every usage line leads with the Chinese form


def test_playbooks_are_named_in_chinese_before_their_ids(chat):
    [listing] = chat.say("/预案 列表")
    assert "产品质量问题（product_defect）" in listing.text
    [shown] = chat.say("/预案 查看 产品质量问题", minutes=1)
    assert shown.text.startswith("预案 产品质量问题（product_defect）")


def test_playbook_hints_reach_the_group_without_folding_spaces(chat):
    chat.say("/危机 开启 面霜过敏 类型=product_defect")
    sweep.sweep(chat.engine, chat.settings, now=chat.start + timedelta(minutes=1))
    cards = "\n".join(s.text for s in chat.sent())
    assert "涉及多少货，让声明里的范围" in cards
    assert not ARTEFACT.search(cards), ARTEFACT.search(cards)


def test_a_team_playbook_folded_over_chinese_lines_joins_them_without_a_space(tmp_path):
    path = tmp_path / "hint.yaml"
    lines = ["先在首发笔记评论区置顶回复，", "再在官方账号发动态，比如", "“很抱歉”。Reply in", "English 3", "天内"]
    path.write_text("hint: >-\n" + "".join(f"  {line}\n" for line in lines), encoding="utf-8")
    expected = "先在首发笔记评论区置顶回复，再在官方账号发动态，比如“很抱歉”。Reply in English 3 天内"
    assert read_yaml(path) == {"hint": expected}


def _texts(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _bundled_yaml() -> list[tuple[Path, object]]:
    """Every bundled YAML file as the bot reads it: playbooks through the one loader, the templates' YAML
    also as plain YAML (some modules read those with yaml.safe_load)."""
    files = [(p, read_yaml(p)) for p in sorted(BUNDLED_PLAYBOOKS.rglob("*.yaml"))]
    for p in sorted(TEMPLATES.rglob("*.yaml")):
        files += [(p, read_yaml(p)), (p, yaml.safe_load(p.read_text(encoding="utf-8")))]
    return files


def test_no_bundled_yaml_text_has_folding_spaces():
    found = [
        f"{path}: {line.strip()[:60]}"
        for path, data in _bundled_yaml()
        for text in _texts(data)
        for line in text.splitlines()
        if ARTEFACT.search(line)
    ]
    assert found == []


def test_no_bundled_template_has_spaces_by_full_width_punctuation():
    found = [
        f"{path}:{number}: {line.strip()[:60]}"
        for path in sorted(TEMPLATES.rglob("*.j2"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ARTEFACT.search(re.sub(r"\{[{%#].*?[}%#]\}", "x", line))
    ]
    assert found == []
