#!/usr/bin/env python
"""Build the lint's second opinion (`bot/drafting/lint_model.json`) from the labelled sets in `tests/data/`.

    python tools/train_lint_model.py            # fit on TRAIN_SETS, write the model, print cross-validated scores
    python tools/train_lint_model.py --check    # fit again and fail if the shipped file differs (CI-safe)

Deterministic: the same sets give the same weights, byte for byte. The frozen regression set (`lint_fresh`) and
every set written to measure a change are never trained on. The cross-validation prints, for the sets the word
lists were never tuned on (`RULE_UNSEEN`), what the rules alone, the model alone and the two combined with the
lexicon's thresholds score out of fold, so the thresholds in `playbooks/lexicon.yaml` can be chosen from it.
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

from bench.lint_eval import DATA, Item, load_items  # noqa: E402
from bot.drafting.classifier import MODEL_FILE, CodeModel, Model, features  # noqa: E402

# Sets the model learns from. lint_fresh is the frozen regression set and is never listed here.
TRAIN_SETS: tuple[str, ...] = ("lint_labelled", "lint_holdout", "lint_dev", "lint_unseen2", "lint_train")
# Sets whose texts the word lists were never tuned on: where out-of-fold scores say how rules + model generalise.
RULE_UNSEEN: tuple[str, ...] = ("lint_unseen2", "lint_train")
# Which drafts each code is judged on (the label rules): no_empathy never for KOL briefs, no_remedy for KOL briefs
# only when they promise something (left to the rules).
CODE_KINDS: dict[str, tuple[str, ...]] = {
    "boilerplate": ("reply", "statement", "cs", "kol"),
    "exaggeration": ("reply", "statement", "cs", "kol"),
    "blame_shift": ("reply", "statement", "cs", "kol"),
    "too_formal": ("reply", "statement", "cs", "kol"),
    "no_remedy": ("reply", "statement", "cs"),
    "no_empathy": ("reply", "statement", "cs"),
}
L2 = 2e-3
EPOCHS = 400
MIN_DOCS = 2  # an n-gram must occur in this many training drafts to get a weight
KEEP = 6000  # largest weights kept per code in the shipped file
FOLDS = 5


def load_sets(names: Sequence[str]) -> dict[str, list[Item]]:
    return {name: load_items(DATA / f"{name}.yaml") for name in names if (DATA / f"{name}.yaml").is_file()}


def labels_code(set_items: Sequence[Item], code: str) -> bool:
    """Whether a set labels this code at all (the two oldest sets do not label too_formal)."""
    return code != "too_formal" or any("too_formal" in item.labels for item in set_items)


def training_rows(sets: dict[str, list[Item]], code: str) -> list[Item]:
    return [
        item for items in sets.values() if labels_code(items, code) for item in items if item.kind in CODE_KINDS[code]
    ]


def fit(items: Sequence[Item], code: str) -> CodeModel:
    """L2-regularised logistic regression, classes balanced, full-batch Adam from zero (deterministic)."""
    docs = [sorted(features(item.text, item.kind)) for item in items]
    counts: dict[str, int] = {}
    for grams in docs:
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    vocab = sorted(gram for gram, n in counts.items() if n >= MIN_DOCS)
    index = {gram: i for i, gram in enumerate(vocab)}
    cols = [np.array([index[g] for g in grams if g in index], dtype=np.int64) for grams in docs]
    rows = np.repeat(np.arange(len(docs)), [len(c) for c in cols])
    flat = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    y = np.array([code in item.labels for item in items], dtype=np.float64)
    positives = max(1.0, y.sum())
    negatives = max(1.0, len(y) - y.sum())
    sample = np.where(y > 0, len(y) / (2 * positives), len(y) / (2 * negatives))
    w = np.zeros(len(vocab))
    b = 0.0
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, EPOCHS + 1):
        z = np.bincount(rows, weights=w[flat], minlength=len(docs)) + b
        residual = (1.0 / (1.0 + np.exp(-z)) - y) * sample / len(docs)
        grad_w = np.bincount(flat, weights=residual[rows], minlength=len(vocab)) + L2 * w
        grad_b = float(residual.sum())
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= lr * (m_w / correction1) / (np.sqrt(v_w / correction2) + eps)
        b -= lr * (m_b / correction1) / (np.sqrt(v_b / correction2) + eps)
    order = np.argsort(-np.abs(w), kind="stable")[:KEEP]
    weights = {vocab[i]: float(w[i]) for i in sorted(order) if abs(w[i]) >= 1e-3}
    return CodeModel(float(b), weights, CODE_KINDS[code])


def train(sets: dict[str, list[Item]]) -> Model:
    return Model({code: fit(training_rows(sets, code), code) for code in CODE_KINDS}, tuple(sets))


def out_of_fold(sets: dict[str, list[Item]]) -> dict[str, dict[str, float]]:
    """Item id → code → the probability a model trained without that item's fold gives it."""
    all_items = [item for items in sets.values() for item in items]
    fold_of = {item.id: n % FOLDS for n, item in enumerate(all_items)}
    result: dict[str, dict[str, float]] = {item.id: {} for item in all_items}
    for fold in range(FOLDS):
        kept = {name: [i for i in items if fold_of[i.id] != fold] for name, items in sets.items()}
        for code in CODE_KINDS:
            model = fit(training_rows(kept, code), code)
            for item in all_items:
                if fold_of[item.id] == fold and item.kind in CODE_KINDS[code]:
                    result[item.id][code] = model.probability(item.text, item.kind)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped model is not what the sets give")
    parser.add_argument("--cv", action="store_true", help="also print out-of-fold scores (slower)")
    args = parser.parse_args(argv)
    sets = load_sets(TRAIN_SETS)
    model = train(sets)
    text = model.to_json()
    if args.check:
        shipped = MODEL_FILE.read_text(encoding="utf-8") if MODEL_FILE.is_file() else ""
        if shipped != text:
            print(f"{MODEL_FILE} is not what {', '.join(sets)} give: run python tools/train_lint_model.py")
            return 1
        print(f"{MODEL_FILE} matches {', '.join(sets)}")
        return 0
    MODEL_FILE.write_text(text, encoding="utf-8")
    sizes = ", ".join(f"{code} {len(m.weights)}" for code, m in model.codes.items())
    print(f"wrote {MODEL_FILE} ({len(text.encode()) // 1024} KiB; weights per code: {sizes})")
    if args.cv:
        from tools.lint_model_cv import report

        report(sets, out_of_fold(sets), RULE_UNSEEN)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
