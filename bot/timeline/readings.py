"""Metric readings stated in free text (“话题阅读量破620万”, “微博转发从3万涨到5万”). Never invents a
number: vague quantities, ranges, times, dates and numbers that belong to another word give no
reading at all. Pure functions: no database, no Feishu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.timeline.numerals import NARROW, Number, direction_of, number_at
from bot.timeline.values import SIGNED_METRICS, ValueProblem, is_plausible, value_of
from bot.timeline.vocabulary import DEFAULT_PLATFORM, Vocabulary, vocabulary_of


@dataclass(frozen=True)
class Reading:
    metric: str  # contract id, e.g. "topic_reads", "negative_ratio"
    value: float  # counts as numbers (620万 → 6200000.0); ratios as fractions 0–1 (65% → 0.65)
    platform: str  # "xhs" (default) | "weibo" | "douyin" | "media"
    span: tuple[int, int]  # text[span[0]:span[1]] runs from the metric's name to the end of its value


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


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for brk in _CLAUSE_BREAK.finditer(text):
        bounds.append((start, brk.start()))
        start = brk.end()
    bounds.append((start, len(text)))
    return [(a, b) for a, b in bounds if a < b]


def extract(text: str, lexicon) -> list[Reading]:
    """Every plausible metric reading stated in a chat message, in order; nothing that would need a guess.
    A value outside its metric's plausible range (the lexicon's `bounds`) is a typo, not a reading: see
    `implausible`.

    A reading is a metric name (from the lexicon) followed by one precise value, optionally with
    connecting words (破/超过/达到/升至/为/：…), or “从X到Y” (→ Y). The platform is the nearest
    platform word before the name in the same clause (clauses end at ，。；;,!?\\n), else xhs.
    Ratios need a percent sign or a 0.x fraction; counts must not carry a percent sign;
    a change (sales_change) must say its direction (“下降12%”, “-12%”).
    """
    return [r for r in _stated(text, lexicon) if is_plausible(r.metric, r.value, lexicon)]


def implausible(text: str, lexicon) -> list[Reading]:
    """The readings stated in a message whose values are outside their metric's plausible range."""
    return [r for r in _stated(text, lexicon) if not is_plausible(r.metric, r.value, lexicon)]


def _stated(text: str, lexicon) -> list[Reading]:
    vocabulary = vocabulary_of(lexicon)
    plain = text.translate(NARROW)
    readings: list[Reading] = []
    for start, stop in _clauses(plain):
        readings += _clause_readings(plain, start, stop, vocabulary)
    named = {reading.metric for reading in readings}  # a count said by its name wins over a noun-last one
    counted = [r for start, stop in _clauses(plain) for r in _counted_readings(plain, start, stop, lexicon)]
    return sorted([*readings, *(r for r in counted if r.metric not in named)], key=lambda reading: reading.span)


def _counted_readings(text: str, start: int, stop: int, lexicon) -> list[Reading]:
    """Counts said noun-last (the lexicon's `counted`): “收到23个用户私信说过敏” → complaints 23. The number must be
    plain (“20多个” is vague) and followed by the noun, after at most a unit and who sent it."""
    readings: list[Reading] = []
    for metric, form in (getattr(lexicon, "counted", None) or {}).items():
        for verb in _any(form.verbs).finditer(text, start, stop):
            number = number_at(text, _SPACES.match(text, verb.end(), stop).end(), stop)
            if number is None or number.percent or number.sign:
                continue
            tail = re.compile(
                rf"\s*(?:{_any(form.units).pattern})?\s*(?:{_any(form.who).pattern})?的?\s*(?:{_any(form.nouns).pattern})"
            )
            noun = tail.match(text, number.end, stop)
            if noun is None:
                continue
            try:
                value = value_of(number, raw=text[verb.start() : noun.end()], ratio=False, signed=False)
            except ValueProblem:
                continue
            readings.append(Reading(metric, float(value), DEFAULT_PLATFORM, (verb.start(), noun.end())))
            break
    return readings


def _any(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)")


def _clause_readings(text: str, start: int, stop: int, vocabulary: Vocabulary) -> list[Reading]:
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
    text: str, name: re.Match[str], stop: int, metric: str, vocabulary: Vocabulary
) -> tuple[Decimal, int] | None:
    """The value stated right after a metric's name, and where it ends; None if not certain."""
    ratio, signed = metric in vocabulary.ratios, metric in SIGNED_METRICS
    lead = (_SIGNED_LEAD if signed else _LEAD).match(text, name.end(), stop)
    direction = 0
    if signed:
        said_by_name, said_by_verb = direction_of(name.group()), direction_of(lead["direction"] or "")
        if said_by_name and said_by_verb and said_by_name != said_by_verb:
            return None
        direction = said_by_name or said_by_verb
    number = _final_number(text, lead.end(), stop)
    if number is None or _belongs_elsewhere(text, number.end, stop, vocabulary):
        return None
    if not _written_plainly(number, ratio=ratio, signed=signed, direction=direction):
        return None
    try:
        value = value_of(number, raw=text[name.start() : number.end], ratio=ratio, signed=signed, direction=direction)
    except ValueProblem:
        return None
    return value, number.end


def _final_number(text: str, pos: int, stop: int) -> Number | None:
    """The number at `pos`; for “从X到Y” or “X升至Y”, the final Y."""
    start = _FROM.match(text, pos, stop)
    if start:
        first = number_at(text, start.end(), stop)
        to = first and _TO.match(text, first.end, stop)
        last = number_at(text, to.end(), stop) if to else None
        if last and to.group().strip() in ("到", "至") and (first.unit, first.percent) != (last.unit, last.percent):
            return None  # “从3到5万”: a range (3–5万) as much as a change (3 → 5万)
        return last
    number = number_at(text, pos, stop)
    change = number and _CHANGE_TO.match(text, number.end, stop)
    return number_at(text, change.end(), stop) if change else number


def _belongs_elsewhere(text: str, end: int, stop: int, vocabulary: Vocabulary) -> bool:
    """Whether what follows a number makes it vague or part of another word."""
    following = _SPACES.match(text, end, stop).end()
    if vocabulary.metrics.match(text, following, stop) or vocabulary.platforms.match(text, following, stop):
        return False  # the next reading starts: “点赞8.6万 评论2万”
    if _VAGUE_AFTER.match(text, end, stop) or _OTHER_WORD_AFTER.match(text, end, stop):
        return True
    after_words = _LEAD.match(text, end, stop).end()
    return bool(_NUMBER_START.match(text, after_words, stop))  # a second number: which one is it?


def _written_plainly(number: Number, *, ratio: bool, signed: bool, direction: int) -> bool:
    """Free text is stricter than a command argument: no reading a bare “65” as 65%."""
    if ratio:
        plain = number.percent or (not number.unit and number.digits.startswith("0.") and number.magnitude <= 1)
    else:
        plain = not number.percent and not number.sign
    if signed:
        plain = plain and bool(number.sign or direction)
    return plain


def _platform_before(text: str, start: int, name_start: int, vocabulary: Vocabulary) -> str:
    """The nearest platform word before a metric's name in its clause; Xiaohongshu when there is none."""
    words = list(vocabulary.platforms.finditer(text, start, name_start))
    return vocabulary.platform_of[words[-1].group().casefold()] if words else DEFAULT_PLATFORM
