"""Public sentiment (issue 13): crisis language read as the public means it, emotions from the crisis lexicon,
the brand's own replies told apart. The sentences here are none of tests/data/sentiment_crisis.yaml's unless
the issue names them."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.library.lexicon import Lexicon, LexiconError, parse
from bot.sentiment import Sentiment, classify, is_brand
from tests.support import BUNDLED_PLAYBOOKS


def one(text: str, **kwargs) -> Sentiment:
    (result,) = classify([text], **kwargs)
    return result


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("要求赔偿", "refund"),
        ("踩雷", "disappointed"),
        ("智商税", "deceived"),
        ("烂脸", "safety"),
        ("再也不买", "disappointed"),
        ("真是好产品呢，用完脸肿了", "sarcasm"),
        ("姐妹们这款面霜我用完烂脸了，去医院开了药", "safety"),
        ("花三百块交了智商税，一点变化没有", "deceived"),
        ("出了事就知道删评，我要求赔偿医药费", "refund"),
        ("这个牌子塌房了，再也不买", "disappointed"),
        ("可真贴心啊，贴心到我过敏进医院", "sarcasm"),
        ("呵呵，又是临时工的错", "sarcasm"),
    ],
)
def test_crisis_language_is_negative_with_its_emotion(text: str, emotion: str):
    result = one(text)
    assert result.label == "negative", result
    assert emotion in result.emotions, result
    assert result.score >= 0.8


def test_the_sarcasm_example_is_also_a_safety_worry():
    assert one("真是好产品呢，用完脸肿了").emotions == ["safety", "sarcasm"]


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("用了一个月没有烂脸，敏感肌放心", "safety"),
        ("说实话不是智商税，是真的有效果", "deceived"),
        ("从来没踩雷过，这次也很满意", "disappointed"),
    ],
)
def test_a_negated_crisis_word_is_not_the_emotion(text: str, absent: str):
    result = one(text)
    assert absent not in result.emotions, result
    assert result.label != "negative", result


def test_a_question_about_a_refund_names_the_emotion_without_being_a_complaint():
    result = one("请问一下退款入口在哪里呀")
    assert "refund" in result.emotions
    assert result.label == "neutral", result


def test_the_brands_own_reply_is_not_public_sentiment():
    accounts = ["小鹿护肤官方", "xl_official_001"]
    assert is_brand("小鹿护肤官方", accounts=accounts)
    assert is_brand(None, "XL_OFFICIAL_001", accounts=accounts)  # an id, case and width folded
    assert is_brand("@小鹿护肤官方 ", accounts=accounts)
    assert not is_brand("小鹿护肤官方的粉丝", "u_123", accounts=accounts)
    assert not is_brand("小鹿护肤官方", accounts=[])
    # The remedy the brand posts reads as no complaint on its own either.
    assert one("3天内可申请全额退款").label != "negative"


def test_brand_accounts_come_from_a_comma_list_in_the_environment(monkeypatch):
    monkeypatch.setenv("BRAND_ACCOUNTS", "小鹿护肤官方, xl_official_001 ,")
    assert Settings(_env_file=None).brand_accounts == ["小鹿护肤官方", "xl_official_001"]
    monkeypatch.delenv("BRAND_ACCOUNTS")
    assert Settings(_env_file=None).brand_accounts == []


def test_classify_keeps_order_and_length_and_takes_any_text():
    texts = ["已经回购第四瓶，很好用", "", "几号发货？", "踩雷了", "   "]
    results = classify(texts)
    assert len(results) == len(texts)
    assert all(r.label in ("negative", "neutral", "positive") and 0 <= r.score <= 1 for r in results)
    assert results[3].label == "negative"
    assert classify([]) == []
    assert [r.label for r in classify(texts * 50)] == [r.label for r in results] * 50


def test_plain_praise_and_plain_questions_take_their_side():
    assert one("这瓶精华用完皮肤透亮了好多，已经安利给室友").label == "positive"
    assert one("请问这款孕妇可以用吗").label == "neutral"


def test_a_teams_own_crisis_word_takes_effect(tmp_path):
    source = (BUNDLED_PLAYBOOKS / "lexicon.yaml").read_text(encoding="utf-8")
    edited = source.replace("      cues: [失望,", "      cues: [拉胯, 失望,", 1)
    assert edited != source
    path = tmp_path / "lexicon.yaml"
    path.write_text(edited, encoding="utf-8")
    text = "这次的新品有点拉胯"
    assert "disappointed" not in one(text).emotions
    result = one(text, lexicon=parse(path))
    assert result.label == "negative" and "disappointed" in result.emotions


def test_a_lexicon_without_a_sentiment_section_uses_the_bundled_one():
    bundled = parse(BUNDLED_PLAYBOOKS / "lexicon.yaml")
    without = Lexicon.model_validate({**bundled.model_dump(), "sentiment": None})
    assert one("智商税", lexicon=without).emotions == ["deceived"]


def test_a_broken_sentiment_section_is_refused_with_its_field(tmp_path):
    source = (BUNDLED_PLAYBOOKS / "lexicon.yaml").read_text(encoding="utf-8")
    broken = source.replace("    disappointed:\n      cues:", "    furious:\n      cues:", 1)
    assert broken != source
    path = tmp_path / "lexicon.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(LexiconError, match="sentiment.emotions"):
        parse(path)
