"""A metric's value: reading one typed as a command argument (“1200万”, “1.2亿”, “65%”), the rules of
its metric (ratios are fractions 0–1; only a change may be negative), and showing it back.

- `parse_value` refuses anything it is not sure of with a `ValueProblem` whose text can go to the
  chat (wording in `templates/timeline/value_problem.j2`).
- `parse_metric_value` also refuses a value outside its metric's plausible range (the lexicon's `bounds`):
  one typo like “99999999999999999999亿” must not raise an incident to level 1.
- `format_value` shows a value the way people write it, in a form `parse_value` reads back; any finite
  value, however large, can be shown (a stored value never breaks a report).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from bot.core.wording import render
from bot.timeline.numerals import (
    CHINESE,
    FALL_WORDS,
    RISE_WORDS,
    UNITS,
    BadUnit,
    Number,
    direction_of,
    tidy,
    whole_number,
)

DEFAULT_RATIO_METRICS = frozenset({"negative_ratio", "sales_change"})
SIGNED_METRICS = frozenset({"sales_change"})  # a change: the only metric that may be negative

# Whatever in a refused value makes it an estimate rather than a number.
_VAGUE_MARK = re.compile(r"[几多余来+]|以上|上下|左右|大概|大约|差不多|将近|接近|约|近|出头|上万|上千|上百")


class ValueProblem(ValueError):
    """A value the bot will not guess at; `str()` is one line of Chinese that can be sent to the chat.

    `problem` names what is wrong (see the template); `hint` which example values to suggest."""

    def __init__(self, problem: str, *, ratio: bool = False, signed: bool = False, **context: object) -> None:
        super().__init__(problem)
        self.problem, self.ratio, self.signed, self.context = problem, ratio, signed, context

    def __str__(self) -> str:
        return render(
            "timeline/value_problem", problem=self.problem, ratio=self.ratio, signed=self.signed, **self.context
        )


def _shown(raw: str) -> str:
    """The user's text, on one line and short enough to quote back."""
    text = " ".join(raw.split())
    return text if len(text) <= 20 else text[:19] + "…"


def value_of(number: Number, *, raw: str, ratio: bool, signed: bool, direction: int = 0) -> Decimal:
    """The value a number stands for, checked against what the metric allows."""
    rules = {"ratio": ratio, "signed": signed}
    if (number.sign == "-" and direction > 0) or (number.sign == "+" and direction < 0):
        raise ValueProblem("contradictory", shown=_shown(raw), **rules)
    negative = number.sign == "-" or direction < 0
    if negative and not signed:
        raise ValueProblem("negative", shown=_shown(raw), **rules)
    magnitude = number.magnitude
    if ratio:
        if number.unit:
            raise ValueProblem("ratio_unit", unit=number.unit, **rules)
        if not number.percent and 1 < magnitude <= 100:
            magnitude /= 100  # “65” for a ratio means 65%
        if magnitude > 1:
            raise ValueProblem("ratio_over_100", shown=_shown(raw), **rules)
    return -magnitude if negative and magnitude else magnitude


def _diagnosis(body: str, ratio: bool, signed: bool) -> ValueProblem:
    """Why `body` is not one well-formed number, in the user's terms."""
    rules = {"ratio": ratio, "signed": signed, "shown": _shown(body)}
    if _VAGUE_MARK.search(body) or body[0] in "几数":
        return ValueProblem("vague", **rules)
    if re.search(r"[A-Za-z]", body.replace("w", "").replace("W", "").replace("k", "").replace("K", "")):
        return ValueProblem("unreadable", **rules)
    if len(re.findall(r"[0-9]+(?:[.,][0-9]+)*", body)) > 1:
        return ValueProblem("several_numbers", **rules)
    unit = re.search(r"[百千万亿]{2,}", body)
    if unit and unit.group() not in UNITS:
        return ValueProblem("bad_unit", unit=unit.group(), ratio=ratio, signed=signed)
    if CHINESE.fullmatch(body):
        return ValueProblem("ambiguous_numerals", **rules)
    return ValueProblem("unreadable", **rules)


def parse_value(raw: str, *, ratio: bool = False, signed: bool = False) -> float:
    """One value typed by a person: “1200万”, “1.2亿”, “3千”, “1,234”, “6.2w”, “65%”, “0.65”.

    `ratio`: the result is a fraction 0–1 (“65%”, “0.65” and a bare “65” all give 0.65).
    `signed`: a change that may be negative (“-3%”, “下降3%”); otherwise negatives are refused.
    Anything vague, composite or out of range raises `ValueProblem`.
    """
    return float(_exact_value(raw, ratio=ratio, signed=signed))


def _exact_value(raw: str, *, ratio: bool, signed: bool) -> Decimal:
    text = tidy(raw)
    direction = 0
    if signed:
        word = re.match("|".join(FALL_WORDS + RISE_WORDS), text)
        if word:
            direction, text = direction_of(word.group()), text[word.end() :].lstrip()
    if not text:
        raise ValueProblem("empty", ratio=ratio, signed=signed)
    try:
        number = whole_number(text)
    except BadUnit as bad:  # units that do not compose (“万千”): the hint for counts, as for any unit
        raise ValueProblem("bad_unit", unit=bad.unit) from None
    if number is None:
        raise _diagnosis(text, ratio, signed)
    return value_of(number, raw=raw, ratio=ratio, signed=signed, direction=direction)


def is_ratio(metric: str, lexicon=None) -> bool:
    """Whether a metric's values are fractions 0–1 (from the lexicon's `ratio_metrics`)."""
    return metric in (set(lexicon.ratio_metrics) if lexicon is not None else DEFAULT_RATIO_METRICS)


def plausible_max(metric: str, lexicon=None) -> float | None:
    """The largest value of `metric` that is not a typo (the lexicon's `bounds`); None when unbounded."""
    bound = (getattr(lexicon, "bounds", None) or {}).get(metric)
    return None if bound is None else bound.max


def is_plausible(metric: str, value: float | Decimal, lexicon=None) -> bool:
    """Whether a value is finite and within its metric's plausible range (either sign, for a change)."""
    if not math.isfinite(value):
        return False
    limit = plausible_max(metric, lexicon)
    return limit is None or abs(value) <= Decimal(repr(float(limit)))


def parse_metric_value(metric: str, raw: str, lexicon=None) -> float:
    """`parse_value` with the ratio/signed rules and the plausible range of `metric` (what `/metric <name>
    <value>` needs)."""
    value = _exact_value(raw, ratio=is_ratio(metric, lexicon), signed=metric in SIGNED_METRICS)
    if not is_plausible(metric, value, lexicon):
        limit = plausible_max(metric, lexicon)
        raise ValueProblem(
            "implausible",
            shown=_shown(raw),
            limit=None if limit is None else format_value(metric, limit, lexicon),
        )
    return float(value)


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------


def _decimal(value: float) -> Decimal:
    """The decimal a person meant by a float: its shortest repr (0.65 → Decimal("0.65"))."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite value: {value!r}")
    return Decimal(repr(float(value)))


_ENOUGH_DIGITS = 400  # the largest float has 309 integer digits; rounding keeps 3 more


def _rounded(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _plain(amount: Decimal) -> str:
    """No exponent, no trailing zeros: 620.00 → "620", 1.250 → "1.25"."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _count_text(amount: Decimal) -> str:
    """Counts keep 2 decimals of their unit: 1 below 1万, 100 in 万, 1,000,000 in 亿."""
    if amount < 10**4 and _rounded(amount, 2) < 10**4:
        return _plain(_rounded(amount, 2))
    wan = _rounded(amount / 10**4, 2)
    if wan < 10**4:
        return f"{_plain(wan)}万"
    return f"{_plain(_rounded(amount / 10**8, 2))}亿"


def format_value(metric: str, value: float, lexicon=None) -> str:
    """A value for the chat: “1.2亿”, “620万”, “1.25万”, “230”; “65%”, “32.5%”; “-3%” / “+5%” for changes.

    Precision kept: counts 2 decimals of the unit shown; ratios 3 decimals of a percent. Any finite float
    can be shown (the working precision covers the largest one); a non-finite one shows as “—”.
    """
    if not math.isfinite(value):
        return "—"
    amount = _decimal(value)
    with localcontext() as exact:
        exact.prec = _ENOUGH_DIGITS
        if is_ratio(metric, lexicon):
            percent = _rounded(amount * 100, 3)
            sign = "+" if metric in SIGNED_METRICS and percent > 0 else ""
            return f"{sign}{_plain(percent)}%"
        sign = "-" if amount < 0 else ""
        return sign + _count_text(abs(amount))
