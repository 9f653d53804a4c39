"""`classify(texts)`: each public comment's label (negative / neutral / positive), its probability of being
negative and its crisis emotions. The model weighs the characters; the crisis lexicon names the emotions and has
the last word on crisis language (a cue such as 踩雷, 智商税, 烂脸, 要求赔偿, or sarcasm, makes a comment
negative unless negated)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.config import BUNDLED_PLAYBOOKS, get_settings
from bot.library.lexicon import EMOTIONS, Lexicon, LexiconError, SentimentRules, load
from bot.sentiment.cues import reader_for
from bot.sentiment.model import Model, features, shipped

Label = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True)
class Sentiment:
    label: Label
    score: float  # probability of negative, 0–1
    emotions: list[str] = field(default_factory=list)  # crisis-emotion codes, in the contract's order


def classify(texts: Sequence[str], *, lexicon: Lexicon | None = None, model: Model | None = None) -> list[Sentiment]:
    """One Sentiment per text, in order. The crisis lexicon is the given one, else the configured playbook
    folder's (PLAYBOOK_DIR), else the bundled one."""
    rules = rules_of(lexicon)
    reader = reader_for(rules)
    model = model or shipped()
    polarity, neutral = model.polarity, model.neutral
    results: list[Sentiment] = []
    for text in texts:
        hits = reader.read(text or "")
        grams = features(hits.text, hits.tokens)
        p_neutral = neutral.probability_of(grams)
        p_negative = (1.0 - p_neutral) * polarity.probability_of(grams)
        p_positive = 1.0 - p_neutral - p_negative
        if hits.negative:
            label: Label = "negative"
            p_negative = max(p_negative, rules.cue_score)
        elif p_negative >= p_neutral and p_negative >= p_positive:
            label = "negative"
        elif p_neutral >= p_positive:
            label = "neutral"
        else:
            label = "positive"
        emotions = [code for code in EMOTIONS if code in hits.emotions]
        results.append(Sentiment(label, round(p_negative, 4), emotions))
    return results


def rules_of(lexicon: Lexicon | None) -> SentimentRules:
    if lexicon is not None and lexicon.sentiment is not None:
        return lexicon.sentiment
    for folder in (get_settings().playbook_dir, BUNDLED_PLAYBOOKS):
        try:
            found = load(folder).sentiment
        except LexiconError:
            continue
        if found is not None:
            return found
    raise RuntimeError(f"{BUNDLED_PLAYBOOKS / 'lexicon.yaml'} has no sentiment: section")
