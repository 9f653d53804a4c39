"""Out-of-fold scores of the lint's rules, its model and the two combined, and the thresholds that combine them
best, on the sets the word lists were never tuned on (used by `tools/train_lint_model.py --cv`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.lint_eval import Item
from bot.drafting.lint import may_add, may_withdraw, rule_findings, rules_of

GRID = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)
BETA = 1.3  # recall weighs a little more than precision: a missed blame is the costlier error


def combined(
    rule: bool, probability: float | None, drop_below: float, add_at: float, guards: tuple[bool, bool]
) -> bool:
    """What `bot.drafting.lint.reconsidered` decides for one code; `guards` = (may withdraw, may add)."""
    if probability is None:
        return rule
    if rule:
        return not (probability < drop_below and guards[0])
    return probability >= add_at and guards[1]


def _f(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    b2 = BETA * BETA
    return (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0


def _counts(pairs: Sequence[tuple[bool, bool]]) -> tuple[int, int, int]:
    tp = sum(1 for got, want in pairs if got and want)
    fp = sum(1 for got, want in pairs if got and not want)
    fn = sum(1 for got, want in pairs if want and not got)
    return tp, fp, fn


def report(sets: Mapping[str, list[Item]], oof: Mapping[str, Mapping[str, float]], unseen: Sequence[str]) -> None:
    rules = rules_of(None)
    opinion = rules.second_opinion.codes if rules.second_opinion else {}
    items = [item for name in unseen for item in sets.get(name, [])]
    rule_codes = {item.id: {f.code for f in rule_findings(item.text, item.kind, rules)} for item in items}
    codes = sorted({code for probs in oof.values() for code in probs})
    totals = {"rules": [0, 0, 0], "model": [0, 0, 0], "both": [0, 0, 0]}
    print(f"out of fold on {', '.join(unseen)} ({len(items)} drafts)")
    print(f"{'code':14} {'rules P/R':>12} {'model P/R':>12} {'both P/R':>12}  drop_below add_at")
    for code in codes:
        scored = [item for item in items if code in oof[item.id]]
        want = [code in item.labels for item in scored]
        rule = [code in rule_codes[item.id] for item in scored]
        prob = [oof[item.id][code] for item in scored]
        guards = [(may_withdraw(code, i.text, rules), may_add(code, i.text, i.kind, rules)) for i in scored]
        # Only the thresholds the lexicon uses are tuned: a code without drop_below never withdraws, one without
        # add_at never adds, one not listed is left to the rules.
        how = opinion.get(code)
        lows = GRID if how is not None and how.drop_below > 0 else (0.0,)
        highs = GRID if how is not None and how.add_at <= 1 else (1.01,)
        rows_of = list(zip(rule, prob, want, guards, strict=True))
        best = max(
            ((lo, hi) for lo in lows for hi in highs if lo < hi),
            key=lambda t: (_f(*_counts([(combined(r, p, *t, g), w) for r, p, w, g in rows_of])), -t[0], t[1]),
        )
        rows = {
            "rules": _counts(list(zip(rule, want, strict=True))),
            "model": _counts([(p >= 0.5, w) for p, w in zip(prob, want, strict=True)]),
            "both": _counts([(combined(r, p, *best, g), w) for r, p, w, g in rows_of]),
        }
        cells = []
        for name, (tp, fp, fn) in rows.items():
            for n, value in enumerate((tp, fp, fn)):
                totals[name][n] += value
            cells.append(f"{tp / (tp + fp) if tp + fp else 1:.2f}/{tp / (tp + fn) if tp + fn else 1:.2f}")
        print(f"{code:14} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12}  {best[0]:<10} {best[1]}")
    for name, (tp, fp, fn) in totals.items():
        print(f"micro {name:8} P {tp / (tp + fp):.3f} R {tp / (tp + fn):.3f}")
