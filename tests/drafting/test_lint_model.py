"""The lint's second opinion (issue 17): a learned model beside the word lists, shipped as weights, combined with
the rules by thresholds in the lexicon. The sentences here are none of the labelled sets' texts."""

from __future__ import annotations

import json

import pytest

from bot.drafting.classifier import MODEL_FILE, Model, features, shipped
from bot.drafting.lint import lint, rule_findings, rules_of
from bot.library.lexicon import Lexicon, LexiconError, parse
from tests.support import BUNDLED_PLAYBOOKS
from tools.train_lint_model import TRAIN_SETS, load_sets, train


def codes(text: str, kind: str = "reply") -> set[str]:
    return lint(text, kind=kind).codes


def rule_codes(text: str, kind: str = "reply") -> set[str]:
    return {finding.code for finding in rule_findings(text, kind, rules_of(None))}


@pytest.fixture(scope="module")
def retrained() -> Model:
    return train(load_sets(TRAIN_SETS))


def test_the_shipped_weights_are_what_the_labelled_sets_give(retrained: Model):
    """Editing a labelled set without rebuilding the model (python tools/train_lint_model.py) fails here."""
    ours = shipped()
    assert ours is not None, f"{MODEL_FILE} is missing"
    assert ours.trained_on == retrained.trained_on
    assert "lint_fresh" not in ours.trained_on, "the frozen regression set must never be trained on"
    for code, model in retrained.codes.items():
        mine = ours.codes[code]
        assert mine.kinds == model.kinds
        assert set(mine.weights) == set(model.weights), code
        worst = max(abs(mine.weights[g] - w) for g, w in model.weights.items())
        assert worst < 1e-3, f"{code}: a weight differs by {worst}"
        assert abs(mine.bias - model.bias) < 1e-3


def test_the_model_file_round_trips_and_refuses_other_features():
    model = shipped()
    assert model is not None
    again = Model.from_json(model.to_json())
    text = "宝子，这个情况应该是你同时用了别的酸性产品，我们的精华本身很温和～"
    for code, code_model in model.codes.items():
        assert again.codes[code].probability(text, "reply") == pytest.approx(code_model.probability(text, "reply"))
    payload = json.loads(model.to_json())
    payload["ngrams"] = [1, 2]
    with pytest.raises(ValueError, match="n-grams"):
        Model.from_json(json.dumps(payload))


def test_features_read_numbers_as_one_shape():
    assert features("3天内退款", "reply") == features("7 天内退款", "reply")
    assert "§cs" in features("退款", "cs")


# --- the four classes of the issue, phrased in ways the word lists do not list ---------------------------------

BLAME = [
    "这款面膜大家都用得好好的，你脸上泛红多半是最近换季皮肤屏障弱，先停用几天就好啦～",
    "蛋糕塌了是因为路上颠簸，外卖小哥送得太急了，下次建议大家自取哦。",
    "亲，电池鼓包一般是长期边充边玩导致的，平时要注意使用习惯呢。",
]
FORMAL = [
    "尊敬的各位顾客：兹因近期门店装修事宜，现将营业安排通知如下，敬请知悉。",
    "致广大消费者：本公司一贯恪守诚信经营之宗旨，现就网传事宜郑重说明如下。",
]
REMEDY = [
    ("凡是这个月在直播间下单的宝子，私信发订单号，运费我们出，整箱给你换新批次。", "reply"),
    ("对不起，是我们的问题。这单钱原路退你，另外送你一张20元无门槛券，今晚之前到账。", "cs"),
]
QUOTED = [
    "之前文案里写的“7天根治痘痘”是错的，我们已经删掉了，对不起。",
    "有姐妹问是不是“零刺激”，我们不敢这么说，敏感肌建议先在耳后试一下。",
]


@pytest.mark.parametrize("text", BLAME)
def test_blame_put_on_the_user_or_someone_else_is_recognised(text):
    assert "blame_shift" in codes(text)


@pytest.mark.parametrize("text", FORMAL)
def test_officialese_is_recognised_by_register(text):
    assert "too_formal" in codes(text, "statement")


@pytest.mark.parametrize(("text", "kind"), REMEDY)
def test_a_bound_remedy_phrased_freely_is_a_remedy(text, kind):
    assert "no_remedy" not in codes(text, kind)


@pytest.mark.parametrize("text", QUOTED)
def test_a_quoted_or_negated_claim_is_not_made(text):
    assert "exaggeration" not in codes(text)


def test_the_second_opinion_adds_what_the_word_lists_miss_and_points_at_the_sentence():
    text = "出现腹泻大概率是和其他食物一起吃导致的。我们的益生菌每批都有检测报告。"
    assert "blame_shift" not in rule_codes(text), "pick a sentence the word lists miss"
    [finding] = [f for f in lint(text).findings if f.code == "blame_shift"]
    assert finding.text.startswith("出现腹泻")
    assert text[finding.span[0] : finding.span[1]] == finding.text
    assert finding.text.strip() in finding.suggestion


def test_a_lexicon_without_a_second_opinion_keeps_the_rules_alone(tmp_path):
    text = "出现腹泻大概率是和其他食物一起吃导致的。我们的益生菌每批都有检测报告。"
    bundled = parse(BUNDLED_PLAYBOOKS / "lexicon.yaml")
    rules_alone = Lexicon.model_validate(
        {**bundled.model_dump(), "lint": {**bundled.lint.model_dump(), "second_opinion": None}}
    )
    assert "blame_shift" not in lint(text, lexicon=rules_alone).codes
    assert "blame_shift" in lint(text, lexicon=bundled).codes


def test_a_broken_second_opinion_section_is_refused_with_its_field(tmp_path):
    source = (BUNDLED_PLAYBOOKS / "lexicon.yaml").read_text(encoding="utf-8")
    good = "      blame_shift:\n        add_at: 0.5\n"
    broken = source.replace(good, "      blame_shift:\n        add_at: 0.2\n        drop_below: 0.5\n")
    assert broken != source
    path = tmp_path / "lexicon.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(LexiconError, match="second_opinion.codes.blame_shift"):
        parse(path)


def test_an_unfilled_blank_is_never_withdrawn():
    text = "真的很抱歉让你遇到这种事，【待补充：补救方案】，私信我们订单号。"
    assert "no_remedy" in codes(text, "cs")
