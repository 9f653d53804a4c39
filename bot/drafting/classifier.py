"""The lint's second opinion: per code, a logistic regression over the character n-grams of a draft.

The word lists in the lexicon recognise the phrasings someone thought of; the model recognises the meaning
from many labelled examples (blame put on the user's stomach, the weather or a courier; a claim that nothing
can go wrong; a remedy phrased as “这杯退你”). It runs offline on shipped weights (`lint_model.json`, built by
`tools/train_lint_model.py` from the labelled sets in `tests/data/`), in pure Python: a few hundred dictionary
look-ups per draft. How its opinion is combined with the rules (the thresholds) is data in the lexicon's
`lint.second_opinion` section; `bot.drafting.lint` applies it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("lint_model.json")
NGRAMS = (1, 2, 3)
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def features(text: str, kind: str) -> set[str]:
    """What the model reads: the draft's kind and its character n-grams, after NFKC, lower case and every
    number written as 0 (so 3天内 and 7天内 are one feature)."""
    norm = _SPACE.sub("", _DIGITS.sub("0", unicodedata.normalize("NFKC", text).lower()))
    grams = {norm[i : i + n] for n in NGRAMS for i in range(len(norm) - n + 1)}
    grams.add(f"§{kind}")
    return grams


@dataclass(frozen=True)
class CodeModel:
    """One code's logistic regression: P(code) = σ(bias + Σ weight of each feature present)."""

    bias: float
    weights: dict[str, float]
    kinds: tuple[str, ...]  # the draft kinds it was trained on and speaks for

    def probability_of(self, grams: Iterable[str]) -> float:
        weights = self.weights
        return _sigmoid(self.bias + sum(weights.get(gram, 0.0) for gram in grams))

    def probability(self, text: str, kind: str) -> float:
        return self.probability_of(features(text, kind))


@dataclass(frozen=True)
class Model:
    codes: dict[str, CodeModel]
    trained_on: tuple[str, ...]  # the labelled sets the weights were fitted to

    def to_json(self) -> str:
        payload = {
            "ngrams": list(NGRAMS),
            "trained_on": list(self.trained_on),
            "codes": {
                code: {
                    "bias": round(m.bias, 6),
                    "kinds": list(m.kinds),
                    "weights": {g: round(w, 4) for g, w in sorted(m.weights.items())},
                }
                for code, m in sorted(self.codes.items())
            },
        }
        return json.dumps(payload, ensure_ascii=False, indent=0) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        payload = json.loads(text)
        if tuple(payload.get("ngrams") or ()) != NGRAMS:
            raise ValueError(f"lint model was built for n-grams {payload.get('ngrams')}, this code reads {NGRAMS}")
        codes = {
            code: CodeModel(
                float(entry["bias"]),
                {str(g): float(w) for g, w in entry["weights"].items()},
                tuple(entry["kinds"]),
            )
            for code, entry in payload["codes"].items()
        }
        return cls(codes, tuple(payload.get("trained_on") or ()))


@lru_cache(maxsize=4)
def shipped(path: Path = MODEL_FILE) -> Model | None:
    """The shipped model, read once; None when the file is absent (the lint then relies on its rules alone)."""
    if not path.is_file():
        return None
    return Model.from_json(path.read_text(encoding="utf-8"))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
