"""Draft lint as an API: the result's shape and ordering, spans and score on any text, and the rules read from
an editable (or broken) lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.drafting.lint import CODES, KINDS, lint
from bot.library.lexicon import LexiconError, load, parse
from tests.drafting.test_lint import APOLOGY, BOILERPLATE_STATEMENT, BUNDLED, SEED_SUPPORT_SCRIPT, only

# --- API, score and the lexicon ---------------------------------------------------------------------------------


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="unknown draft kind"):
        lint(SEED_SUPPORT_SCRIPT, "tweet")


def test_result_shape():
    result = lint(BOILERPLATE_STATEMENT, "statement")
    assert set(KINDS) == {"reply", "statement", "kol", "cs"}
    assert result.codes <= set(CODES)
    assert all(f.severity in ("high", "medium", "low") for f in result.findings)
    severities = [("low", "medium", "high").index(f.severity) for f in result.findings]
    assert severities == sorted(severities, reverse=True)  # most severe first ...
    assert result.findings[0].code == "no_remedy"  # ... and a missing remedy before the n-th boilerplate phrase


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "抱歉",
                "您",
                "高度重视",
                "100%有效",
                "最近",
                "第一时间",
                "第一",
                "个别用户",
                "3天内",
                "退款",
                "，",
                "。",
                "\n",
                "后续会处理",
                "【待补充：补救】",
                "最好",
                "永久",
                "你",
                "私信",
                "20元",
                "绝对",
                " ",
            ]
        ),
        max_size=40,
    ),
    st.sampled_from(list(KINDS)),
)
def test_spans_point_at_their_text_and_score_stays_in_range(parts, kind):
    text = "".join(parts)
    result = lint(text, kind)
    assert 0 <= result.score <= 100
    for finding in result.findings:
        start, end = finding.span
        assert 0 <= start <= end <= len(text)
        assert finding.text == text[start:end]
        assert finding.suggestion


def write_lexicon(folder: Path, change) -> Path:
    data = yaml.safe_load((BUNDLED / "lexicon.yaml").read_text(encoding="utf-8"))
    change(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_edited_lexicon_rules_apply(tmp_path):
    def add_phrase(data):
        data["lint"]["boilerplate"]["phrases"].append({"pattern": "深感自责", "suggestion": "换成“是我们没做好”"})

    write_lexicon(tmp_path, add_phrase)
    text = f"{APOLOGY}我们深感自责，3天内可申请全额退款。"
    assert "boilerplate" not in lint(text).codes
    finding = only(lint(text, lexicon=load(tmp_path)), "boilerplate")
    assert finding.text == "深感自责" and finding.suggestion == "换成“是我们没做好”"


def test_lexicon_without_lint_section_uses_the_bundled_rules(tmp_path):
    write_lexicon(tmp_path, lambda data: data.pop("lint"))
    lexicon = load(tmp_path)
    assert lexicon.lint is None
    assert lint(BOILERPLATE_STATEMENT, "statement", lexicon=lexicon) == lint(BOILERPLATE_STATEMENT, "statement")


BAD_PHRASE_AT = len(load(BUNDLED).lint.exaggeration.phrases)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda d: d["lint"]["exaggeration"]["phrases"].append({"pattern": "最(", "suggestion": "x"}),
            f"lint.exaggeration.phrases.{BAD_PHRASE_AT}.pattern",
        ),
        (lambda d: d["lint"]["no_empathy"].update(kinds=["reply", "tweet"]), "lint.no_empathy.kinds.1"),
        (lambda d: d["lint"]["length"]["bounds"]["reply"].update(min=200), "lint.length.bounds.reply"),
        (lambda d: d["lint"]["boilerplate"].update(colour="red"), "lint.boilerplate.colour"),
        (lambda d: d["lint"]["scoring"]["penalties"].pop("low"), "lint.scoring.penalties"),
    ],
)
def test_broken_lint_rules_are_reported_with_the_field(tmp_path, change, field):
    path = write_lexicon(tmp_path, change)
    with pytest.raises(LexiconError) as caught:
        parse(path)
    assert str(path) in str(caught.value) and field in str(caught.value)
