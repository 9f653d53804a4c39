"""Numbers in the group's chat: metric values, metric names and platforms.

- `parse_value` reads one value typed as a command argument (“1200万”, “1.2亿”, “65%”) and
  refuses anything it is not sure of with a `ValueProblem` whose message can go to the chat.
- `extract` finds metric readings in free text (“话题阅读量破620万”). It never invents a
  number: vague quantities, ranges, times, dates and numbers that belong to another word
  give no reading at all.
- `format_value` shows a value the way people write it, in a form `parse_value` reads back.

Arithmetic is done in `Decimal`, so “1.2亿” is exactly 120000000.0 and “0.1万” is 1000.0.
Pure functions: no database, no Feishu.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

DEFAULT_PLATFORM = "xhs"
DEFAULT_RATIO_METRICS = frozenset({"negative_ratio", "sales_change"})
SIGNED_METRICS = frozenset({"sales_change"})  # a change: the only metric that may be negative


@dataclass(frozen=True)
class Reading:
    metric: str  # contract id, e.g. "topic_reads", "negative_ratio"
    value: float  # counts as numbers (620万 → 6200000.0); ratios as fractions 0–1 (65% → 0.65)
    platform: str  # "xhs" (default) | "weibo" | "douyin" | "media"
    span: tuple[int, int]  # text[span[0]:span[1]] runs from the metric's name to the end of its value


class ValueProblem(ValueError):
    """A value the bot will not guess at; the message (Chinese, one line) can be sent to the chat."""


# ---------------------------------------------------------------------------------------------
# Characters and words
# ---------------------------------------------------------------------------------------------

# Full-width digits and signs → ASCII, one character for one so spans stay valid. The
# full-width comma “，” is left alone: in chat it separates clauses.
_NARROW = str.maketrans("０１２３４５６７８９％﹪．－−＋ＷＫｗｋ", "0123456789%%.--+WKwk")

# Multipliers written after a number; the two-character ones are the compositions people use.
_UNITS = {
    "百": 10**2,
    "千": 10**3,
    "万": 10**4,
    "亿": 10**8,
    "w": 10**4,
    "W": 10**4,
    "k": 10**3,
    "K": 10**3,
    "百万": 10**6,
    "千万": 10**7,
    "百亿": 10**10,
    "千亿": 10**11,
    "万亿": 10**12,
}

# Words that say which way a change went (only for signed metrics such as sales_change).
_FALL_WORDS = ("下降", "下滑", "下跌", "减少", "降低", "跌", "降")
_RISE_WORDS = ("上涨", "上升", "增长", "增加", "提升", "提高", "涨", "升", "增")

# An Arabic-digit number with its unit and percent sign: “1,234”, “1.25万”, “6.2w”, “65%”, “-3%”.
_ARABIC = re.compile(
    r"""
    (?P<sign>[-+])?                                  # a written sign (only changes may be negative)
    (?P<digits>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)? # 1,234 / 1,234.5 (commas only as thousands groups)
              |[0-9]+(?:\.[0-9]+)?)                  # 1234 / 1.25
    (?P<unit>[百千万亿]{1,2}|[wWkK](?![A-Za-z]))?     # 万 亿 千 百, 千万 万亿 …; w = 万, k = 千 (not “km”)
    (?:\s*(?P<percent>%))?                          # a percent sign makes it a fraction
    """,
    re.VERBOSE,
)

# A number written in Chinese numerals: “六百二十万”, “两万”. Validated by `_chinese_integer`.
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_NO_SMALL_UNIT = 10**4  # sentinel: no 十/百/千 seen in the current section yet

# Words between a metric's name and its value: “阅读量 已经突破了 620万”, “投诉量：230”, “负面占比升至65%”.
# Only “to a level” verbs: “涨了3万” (rose BY) is a change, not a reading, so bare 涨/升/降 are absent.
_LEAD = re.compile(
    r"""(?:\s|已经|已|累计|共计|总计|共|约为|约|将近|接近|近|高达|达到|达|突破|破|超过|超|
           飙升至|飙升到|上升到|上升至|升至|升到|涨到|涨至|增至|增加到|增长到|
           下降到|下降至|降至|降到|回落到|回落至|跌至|跌到|到|至|在|为|是|有|了|:|：)*""",
    re.VERBOSE,
)

# For a signed metric (a change) the lead may name the direction: “销量环比下降了12%”.
# “降至/到” are left out on purpose: “销量降至60%” is a level (−40%), not a change of −60%.
_SIGNED_LEAD = re.compile(
    r"""(?:\s|已经|已|约为|约|近|达到|达|为|是|了|:|：|环比|同比)*
        (?P<direction>下降|下滑|下跌|减少|降低|上涨|上升|增长|增加|提升|提高|跌|降|涨|升|增)?
        (?:\s|了|约|近|达)*""",
    re.VERBOSE,
)

# “从30%涨到65%” / “由3万到5万”: the first number, then a “to” word, then the value we report.
_FROM = re.compile(r"(?:从|由)\s*")
_TO = re.compile(
    r"\s*(?:飙升至|飙升到|上升到|上升至|下降到|下降至|回落到|回落至|增长到|增加到|减少到|"
    r"升至|升到|涨到|涨至|增至|降至|降到|跌至|跌到|减至|变为|变成|到|至|→|->)\s*"
)
# Without 从 only a verb or an arrow marks a change (“30%升至65%”); a bare 到/至 is a range (“3到5万”).
_CHANGE_TO = re.compile(
    r"\s*(?:飙升至|飙升到|上升到|上升至|下降到|下降至|回落到|回落至|增长到|增加到|减少到|"
    r"升至|升到|涨到|涨至|增至|降至|降到|跌至|跌到|减至|变为|变成|→|->)\s*"
)

# After a value, these make it vague: “3万多”, “300余”, “十几万”, “10万+”, “100万以上”, “…不等”.
_VAGUE_AFTER = re.compile(r"\s*(?:多|余|几|来|\+|加|以上|上下|出头|开外|不等)")
# After a value, these show it belongs to another word: a time, a date, a duration, money,
# a multiple, a rank (“3天内退款”, “11:30”, “11月24日”, “3倍”), or it runs on into letters or digits.
_OTHER_WORD_AFTER = re.compile(
    r"""\s*(?:个?(?:小时|钟头|星期|礼拜|工作日|月)|个点|秒|分钟|分|时|点|天|日|号|周|年|岁|倍|元|块|名|楼|层|期|版|级)
        |[A-Za-z]
        |[,:：/.\-~～—–]\s*[0-9]""",
    re.VERBOSE,
)
# A digit (Arabic or Chinese) starting the next number: “阅读量11.24破620万” has two candidates.
_NUMBER_START = re.compile(r"[0-9零〇一二两三四五六七八九十]")

# Words right before a metric's name that make its number something else:
# “负面评论230条” is not the comment count, “新增投诉30” is not the complaint total.
_QUALIFIED = re.compile(r"(?:负面|正面|中性|差评|好评|新增|净增|日均|平均|人均|单日|单条|每小时|每天|每日|每条)\s*$")

_SPACES = re.compile(r"\s*")

# Clause boundaries for platform look-up; an ASCII comma inside “1,234” is not one.
_CLAUSE_BREAK = re.compile(r"[，。；;！？!?\n]|(?<![0-9]),|,(?![0-9]{3}(?![0-9]))")

# Whatever in a refused value makes it an estimate rather than a number.
_VAGUE_MARK = re.compile(r"[几多余来+]|以上|上下|左右|大概|大约|差不多|将近|接近|约|近|出头|上万|上千|上百")


# ---------------------------------------------------------------------------------------------
# Reading one number
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    """A number as written: magnitude (unit applied; a percent already divided by 100) and marks."""

    magnitude: Decimal
    sign: str  # "-", "+" or ""
    unit: str  # "万", "千万", "w", … or "" (Chinese numerals carry their units inside)
    percent: bool
    digits: str  # the digits as written, e.g. "0.65", "1,234", "六百二十万"
    end: int


def _hint(ratio: bool, signed: bool) -> str:
    if signed:
        return "-3%、下降3% 或 +5% 这样的变化"
    if ratio:
        return "65% 或 0.65 这样的比例"
    return "1200万、1.2亿、6.2w 或 1,234 这样的数"


def _problem(what: str, ratio: bool, signed: bool) -> ValueProblem:
    return ValueProblem(f"{what}：请写成 {_hint(ratio, signed)}")


def _shown(raw: str) -> str:
    """The user's text, on one line and short enough to quote back."""
    text = " ".join(raw.split())
    return text if len(text) <= 20 else text[:19] + "…"


def _arabic_number(match: re.Match[str]) -> _Number:
    unit = match["unit"] or ""
    if unit and unit not in _UNITS:
        raise ValueProblem(f"单位“{unit}”不能这样组合（可以写 千万、百万、万亿）：请写成 {_hint(False, False)}")
    magnitude = Decimal(match["digits"].replace(",", "")) * _UNITS.get(unit, 1)
    if match["percent"]:
        magnitude /= 100
    return _Number(magnitude, match["sign"] or "", unit, bool(match["percent"]), match["digits"], match.end())


def _chinese_integer(word: str) -> int | None:
    """“六百二十万” → 6200000; None unless written out in full.

    Refused: colloquial shortenings (“一万二”, “三百五”), ranges (“三四千”, “一两万”), a unit with
    no digit (“百万”, “万一”), a bare digit with no unit (“一”), a misplaced zero or 两.
    """
    if word[0] in "零〇" or not any(ch in "十百千万亿" for ch in word):
        return None
    total = section = 0
    digit: int | None = None  # a digit waiting for its unit
    digit_char = ""
    smallest = _NO_SMALL_UNIT  # 十/百/千 must fall within a section: 千 > 百 > 十
    zero = False  # a 零 is waiting for its digit (“三百零五”)
    after_zero = False  # the pending digit came after a 零
    wan_in_section = False  # “万” already used since the last “亿”
    previous = ""
    for ch in word:
        if ch in _CN_DIGITS:
            if digit is not None or (zero and _CN_DIGITS[ch] == 0):
                return None
            if _CN_DIGITS[ch] == 0:
                zero = True
            else:
                digit, digit_char, after_zero, zero = _CN_DIGITS[ch], ch, zero, False
        elif ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            if unit >= smallest or zero or (ch == "十" and digit_char == "两" and digit is not None):
                return None
            if digit is None:
                if ch != "十" or section or total or previous:  # only a leading 十 may omit its 一
                    return None
                digit = 1
            section += digit * unit
            digit, digit_char, smallest, after_zero = None, "", unit, False
        else:  # 万 or 亿
            if zero or not _section_may_end(digit, smallest, after_zero):
                return None
            if ch == "万":
                if wan_in_section or (section == 0 and digit is None):
                    return None
                total += (section + (digit or 0)) * 10**4
                wan_in_section = True
            else:
                if section == 0 and digit is None and previous != "万":
                    return None
                total = (total + section + (digit or 0)) * 10**8
                wan_in_section = False
            section, digit, digit_char, smallest, after_zero = 0, None, "", _NO_SMALL_UNIT, False
        previous = ch
    if zero or digit_char == "两":
        return None
    if digit is not None and total and smallest == _NO_SMALL_UNIT and not after_zero:
        return None  # “一万二”: colloquially 12000, literally 10002 — refuse
    if not _section_may_end(digit, smallest, after_zero):
        return None
    return total + section + (digit or 0)


def _section_may_end(digit: int | None, smallest: int, after_zero: bool) -> bool:
    """A trailing digit is fine alone (“三万”), after 十 (“二十三”) or after 零 (“三百零五”), not “三百五”."""
    return digit is None or smallest in (_NO_SMALL_UNIT, 10) or after_zero


def _number_at(text: str, pos: int, stop: int) -> _Number | None:
    """The number starting exactly at `pos`, or None when there is none or it is not well formed."""
    match = _ARABIC.match(text, pos, stop)
    if match:
        try:
            return _arabic_number(match)
        except ValueProblem:
            return None
    match = _CHINESE.match(text, pos, stop)
    if match:
        value = _chinese_integer(match.group())
        if value is not None:
            return _Number(Decimal(value), "", "", False, match.group(), match.end())
    return None


def _direction_of(word: str) -> int:
    """-1 for a fall (“下降”), +1 for a rise (“上涨”), 0 when the word says neither."""
    if any(w in word for w in _FALL_WORDS):
        return -1
    if any(w in word for w in _RISE_WORDS):
        return 1
    return 0


def _value_of(number: _Number, *, raw: str, ratio: bool, signed: bool, direction: int = 0) -> Decimal:
    """The value a number stands for, checked against what the metric allows."""
    if (number.sign == "-" and direction > 0) or (number.sign == "+" and direction < 0):
        raise _problem(f"“{_shown(raw)}”的涨跌方向自相矛盾", ratio, signed)
    negative = number.sign == "-" or direction < 0
    if negative and not signed:
        raise _problem(f"“{_shown(raw)}”不能是负数（只有销量变化可以为负）", ratio, signed)
    magnitude = number.magnitude
    if ratio:
        if number.unit:
            raise _problem(f"比例不带“{number.unit}”这样的单位", ratio, signed)
        if not number.percent and 1 < magnitude <= 100:
            magnitude /= 100  # “65” for a ratio means 65%
        if magnitude > 1:
            raise _problem(f"比例不能超过 100%（“{_shown(raw)}”）", ratio, signed)
    return -magnitude if negative and magnitude else magnitude


def _diagnosis(body: str, ratio: bool, signed: bool) -> ValueProblem:
    """Why `body` is not one well-formed number, in the user's terms."""
    shown = _shown(body)
    if _VAGUE_MARK.search(body) or body[0] in "几数":
        return _problem(f"“{shown}”是约数，不能记为数据", ratio, signed)
    if re.search(r"[A-Za-z]", body.replace("w", "").replace("W", "").replace("k", "").replace("K", "")):
        return _problem(f"看不懂数值“{shown}”", ratio, signed)
    if len(re.findall(r"[0-9]+(?:[.,][0-9]+)*", body)) > 1:
        return _problem(f"“{shown}”里不止一个数，只写一个", ratio, signed)
    unit = re.search(r"[百千万亿]{2,}", body)
    if unit and unit.group() not in _UNITS:
        return _problem(f"单位“{unit.group()}”不能这样组合（可以写 千万、百万、万亿）", ratio, signed)
    if _CHINESE.fullmatch(body):
        return _problem(f"“{shown}”写法有歧义（请用阿拉伯数字）", ratio, signed)
    return _problem(f"看不懂数值“{shown}”", ratio, signed)


def _tidy(raw: str) -> str:
    """Full-width → ASCII, outer spaces gone, spaces between a number and its unit gone (“65 %”)."""
    text = raw.translate(_NARROW).strip()
    return re.sub(r"(?<=[0-9])\s+(?=[百千万亿wWkK%])", "", text)


def parse_value(raw: str, *, ratio: bool = False, signed: bool = False) -> float:
    """One value typed by a person: “1200万”, “1.2亿”, “3千”, “1,234”, “6.2w”, “65%”, “0.65”.

    `ratio`: the result is a fraction 0–1 (“65%”, “0.65” and a bare “65” all give 0.65).
    `signed`: a change that may be negative (“-3%”, “下降3%”); otherwise negatives are refused.
    Anything vague, composite or out of range raises `ValueProblem`.
    """
    text = _tidy(raw)
    direction = 0
    if signed:
        word = re.match("|".join(_FALL_WORDS + _RISE_WORDS), text)
        if word:
            direction, text = _direction_of(word.group()), text[word.end() :].lstrip()
    if not text:
        raise _problem("没有写数值", ratio, signed)
    number = _whole_number(text)
    if number is None:
        raise _diagnosis(text, ratio, signed)
    return float(_value_of(number, raw=raw, ratio=ratio, signed=signed, direction=direction))


def _whole_number(text: str) -> _Number | None:
    """`text` as exactly one number (Arabic or Chinese numerals), else None."""
    match = _ARABIC.fullmatch(text)
    if match:
        return _arabic_number(match)  # raises on units that do not compose (“万千”)
    if _CHINESE.fullmatch(text):
        value = _chinese_integer(text)
        if value is not None:
            return _Number(Decimal(value), "", "", False, text, len(text))
    return None


def is_ratio(metric: str, lexicon=None) -> bool:
    """Whether a metric's values are fractions 0–1 (from the lexicon's `ratio_metrics`)."""
    return metric in (set(lexicon.ratio_metrics) if lexicon is not None else DEFAULT_RATIO_METRICS)


def parse_metric_value(metric: str, raw: str, lexicon=None) -> float:
    """`parse_value` with the ratio/signed rules of `metric` (what `/metric <name> <value>` needs)."""
    return parse_value(raw, ratio=is_ratio(metric, lexicon), signed=metric in SIGNED_METRICS)


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


def _exact_alias(raw: str, pairs: list[tuple[str, str]]) -> str | None:
    key = raw.strip().casefold()
    return next((target for alias, target in pairs if alias.casefold() == key), None)


def parse_metric_name(raw: str, lexicon) -> str | None:
    """A contract id or one of its Chinese aliases (“阅读量”, “negative_ratio”) → the id; else None."""
    return _exact_alias(raw, lexicon.metric_aliases())


def parse_platform(raw: str, lexicon) -> str | None:
    """A platform id or alias (“微博”, “douyin”) → the id; else None."""
    return _exact_alias(raw, lexicon.platform_aliases())


# ---------------------------------------------------------------------------------------------
# Free-text extraction
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    metrics: re.Pattern[str]
    metric_of: dict[str, str]
    platforms: re.Pattern[str]
    platform_of: dict[str, str]
    ratios: frozenset[str]


def _alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    """Any alias, longest first; an ASCII alias must stand as a word (“likes”, not “unlikes”)."""
    parts = []
    for alias in sorted(aliases, key=len, reverse=True):
        escaped = re.escape(alias)
        parts.append(rf"(?<![A-Za-z0-9_]){escaped}(?![A-Za-z_])" if alias.isascii() else escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=16)
def _vocabulary(metric_pairs: tuple, platform_pairs: tuple, ratios: tuple) -> _Vocabulary:
    return _Vocabulary(
        metrics=_alias_pattern([alias for alias, _ in metric_pairs]),
        metric_of={alias.casefold(): metric for alias, metric in metric_pairs},
        platforms=_alias_pattern([alias for alias, _ in platform_pairs]),
        platform_of={alias.casefold(): platform for alias, platform in platform_pairs},
        ratios=frozenset(ratios),
    )


def _vocabulary_of(lexicon) -> _Vocabulary:
    return _vocabulary(tuple(lexicon.metric_aliases()), tuple(lexicon.platform_aliases()), tuple(lexicon.ratio_metrics))


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for brk in _CLAUSE_BREAK.finditer(text):
        bounds.append((start, brk.start()))
        start = brk.end()
    bounds.append((start, len(text)))
    return [(a, b) for a, b in bounds if a < b]


def extract(text: str, lexicon) -> list[Reading]:
    """Every metric reading stated in a chat message, in order; nothing that would need a guess.

    A reading is a metric name (from the lexicon) followed by one precise value, optionally with
    connecting words (破/超过/达到/升至/为/：…), or “从X到Y” (→ Y). The platform is the nearest
    platform word before the name in the same clause (clauses end at ，。；;,!?\\n), else xhs.
    Ratios need a percent sign or a 0.x fraction; counts must not carry a percent sign;
    a change (sales_change) must say its direction (“下降12%”, “-12%”).
    """
    vocabulary = _vocabulary_of(lexicon)
    plain = text.translate(_NARROW)
    readings: list[Reading] = []
    for start, stop in _clauses(plain):
        readings += _clause_readings(plain, start, stop, vocabulary)
    return readings


def _clause_readings(text: str, start: int, stop: int, vocabulary: _Vocabulary) -> list[Reading]:
    readings: list[Reading] = []
    resume = start
    for name in vocabulary.metrics.finditer(text, start, stop):
        if name.start() < resume or _QUALIFIED.search(text, start, name.start()):
            continue
        metric = vocabulary.metric_of[name.group().casefold()]
        found = _value_after(text, name, stop, metric, vocabulary)
        if found is None:
            continue
        value, end = found
        platform = _platform_before(text, start, name.start(), vocabulary)
        readings.append(Reading(metric, float(value), platform, (name.start(), end)))
        resume = end
    return readings


def _value_after(
    text: str, name: re.Match[str], stop: int, metric: str, vocabulary: _Vocabulary
) -> tuple[Decimal, int] | None:
    """The value stated right after a metric's name, and where it ends; None if not certain."""
    ratio, signed = metric in vocabulary.ratios, metric in SIGNED_METRICS
    lead = (_SIGNED_LEAD if signed else _LEAD).match(text, name.end(), stop)
    direction = 0
    if signed:
        said_by_name, said_by_verb = _direction_of(name.group()), _direction_of(lead["direction"] or "")
        if said_by_name and said_by_verb and said_by_name != said_by_verb:
            return None
        direction = said_by_name or said_by_verb
    number = _final_number(text, lead.end(), stop)
    if number is None or _belongs_elsewhere(text, number.end, stop, vocabulary):
        return None
    if not _written_plainly(number, ratio=ratio, signed=signed, direction=direction):
        return None
    try:
        value = _value_of(number, raw=text[name.start() : number.end], ratio=ratio, signed=signed, direction=direction)
    except ValueProblem:
        return None
    return value, number.end


def _final_number(text: str, pos: int, stop: int) -> _Number | None:
    """The number at `pos`; for “从X到Y” or “X升至Y”, the final Y."""
    start = _FROM.match(text, pos, stop)
    if start:
        first = _number_at(text, start.end(), stop)
        to = first and _TO.match(text, first.end, stop)
        last = _number_at(text, to.end(), stop) if to else None
        if last and to.group().strip() in ("到", "至") and (first.unit, first.percent) != (last.unit, last.percent):
            return None  # “从3到5万”: a range (3–5万) as much as a change (3 → 5万)
        return last
    number = _number_at(text, pos, stop)
    change = number and _CHANGE_TO.match(text, number.end, stop)
    return _number_at(text, change.end(), stop) if change else number


def _belongs_elsewhere(text: str, end: int, stop: int, vocabulary: _Vocabulary) -> bool:
    """Whether what follows a number makes it vague or part of another word."""
    following = _SPACES.match(text, end, stop).end()
    if vocabulary.metrics.match(text, following, stop) or vocabulary.platforms.match(text, following, stop):
        return False  # the next reading starts: “点赞8.6万 评论2万”
    if _VAGUE_AFTER.match(text, end, stop) or _OTHER_WORD_AFTER.match(text, end, stop):
        return True
    after_words = _LEAD.match(text, end, stop).end()
    return bool(_NUMBER_START.match(text, after_words, stop))  # a second number: which one is it?


def _written_plainly(number: _Number, *, ratio: bool, signed: bool, direction: int) -> bool:
    """Free text is stricter than a command argument: no reading a bare “65” as 65%."""
    if ratio:
        plain = number.percent or (not number.unit and number.digits.startswith("0.") and number.magnitude <= 1)
    else:
        plain = not number.percent and not number.sign
    if signed:
        plain = plain and bool(number.sign or direction)
    return plain


def _platform_before(text: str, start: int, name_start: int, vocabulary: _Vocabulary) -> str:
    """The nearest platform word before a metric's name in its clause; Xiaohongshu when there is none."""
    words = list(vocabulary.platforms.finditer(text, start, name_start))
    return vocabulary.platform_of[words[-1].group().casefold()] if words else DEFAULT_PLATFORM


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------


def _decimal(value: float) -> Decimal:
    """The decimal a person meant by a float: its shortest repr (0.65 → Decimal("0.65"))."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite value: {value!r}")
    return Decimal(repr(float(value)))


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

    Precision kept: counts 2 decimals of the unit shown; ratios 3 decimals of a percent.
    """
    amount = _decimal(value)
    if is_ratio(metric, lexicon):
        percent = _rounded(amount * 100, 3)
        sign = "+" if metric in SIGNED_METRICS and percent > 0 else ""
        return f"{sign}{_plain(percent)}%"
    sign = "-" if amount < 0 else ""
    return sign + _count_text(abs(amount))
