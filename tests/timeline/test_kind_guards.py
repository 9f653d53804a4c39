"""A spread word the team only plans, asks about, forbids or fears (“联系博主”, “别转发”, “担心会扩散”) does not make a
message a spread entry; a reported spread still does, also beside a guarded word. The guards are lexicon data: a
folder without them keeps the plain word match, and a broken guard is refused naming its field."""

from __future__ import annotations

import pytest
import yaml

from bot.config import BUNDLED_PLAYBOOKS
from bot.library.lexicon import LexiconError, load, parse
from bot.timeline.classify import kind_of

PLANNED = [
    "今天下午联系博主沟通",
    "让博主帮忙澄清一下",
    "大家先别转发内部消息",
    "担心会扩散，先盯着",
    "我们找几个达人聊聊",
]
REPORTED = ["某KOL转发了首发笔记", "微博上开始扩散了", "话题已经上了微博热搜", "联系博主时发现抖音已经有人搬运了"]


@pytest.mark.parametrize("text", PLANNED)
def test_a_planned_or_feared_spread_is_not_a_spread_entry(text):
    assert kind_of(text, load(BUNDLED_PLAYBOOKS)) != "spread"


@pytest.mark.parametrize("text", REPORTED)
def test_a_reported_spread_still_is(text):
    assert kind_of(text, load(BUNDLED_PLAYBOOKS)) == "spread"


def _lexicon_file(tmp_path, guards):
    data = yaml.safe_load((BUNDLED_PLAYBOOKS / "lexicon.yaml").read_text(encoding="utf-8"))
    if guards is None:
        data.pop("kind_guards")
    else:
        data["kind_guards"] = guards
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_without_guards_the_plain_word_counts(tmp_path):
    lexicon = parse(_lexicon_file(tmp_path, None))
    assert all(kind_of(text, lexicon) == "spread" for text in PLANNED)


def test_a_broken_guard_is_refused_naming_its_field(tmp_path):
    with pytest.raises(LexiconError, match="kind_guards"):
        parse(_lexicon_file(tmp_path, {"spread": ["(联系"]}))
    with pytest.raises(LexiconError, match="kind_guards"):
        parse(_lexicon_file(tmp_path, {"rumour": ["联系"]}))
