"""How numbers are written in the chat: Arabic digits with units (“1,234”, “1.25万”, “6.2w”, “65%”),
Chinese numerals written out in full (“六百二十万”), and the words that say which way a change went.

Arithmetic is done in `Decimal`, so “1.2亿” is exactly 120000000 and “0.1万” is 1000.
Pure functions: no database, no Feishu, no wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


class BadUnit(ValueError):
    """Units that do not compose (“万千”); `args[0]` is the unit as written."""

    @property
    def unit(self) -> str:
        return self.args[0]


# Full-width digits and signs → ASCII, one character for one so spans stay valid. The
# full-width comma “，” is left alone: in chat it separates clauses.
NARROW = str.maketrans("０１２３４５６７８９％﹪．－−＋ＷＫｗｋ", "0123456789%%.--+WKwk")

# Multipliers written after a number; the two-character ones are the compositions people use.
UNITS = {
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
FALL_WORDS = ("下降", "下滑", "下跌", "减少", "降低", "跌", "降")
RISE_WORDS = ("上涨", "上升", "增长", "增加", "提升", "提高", "涨", "升", "增")

# An Arabic-digit number with its unit and percent sign: “1,234”, “1.25万”, “6.2w”, “65%”, “-3%”.
ARABIC = re.compile(
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
CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
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


@dataclass(frozen=True)
class Number:
    """A number as written: magnitude (unit applied; a percent already divided by 100) and marks."""

    magnitude: Decimal
    sign: str  # "-", "+" or ""
    unit: str  # "万", "千万", "w", … or "" (Chinese numerals carry their units inside)
    percent: bool
    digits: str  # the digits as written, e.g. "0.65", "1,234", "六百二十万"
    end: int


def arabic_number(match: re.Match[str]) -> Number:
    unit = match["unit"] or ""
    if unit and unit not in UNITS:
        raise BadUnit(unit)
    magnitude = Decimal(match["digits"].replace(",", "")) * UNITS.get(unit, 1)
    if match["percent"]:
        magnitude /= 100
    return Number(magnitude, match["sign"] or "", unit, bool(match["percent"]), match["digits"], match.end())


def chinese_integer(word: str) -> int | None:
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


def number_at(text: str, pos: int, stop: int) -> Number | None:
    """The number starting exactly at `pos`, or None when there is none or it is not well formed."""
    match = ARABIC.match(text, pos, stop)
    if match:
        try:
            return arabic_number(match)
        except BadUnit:
            return None
    match = CHINESE.match(text, pos, stop)
    if match:
        value = chinese_integer(match.group())
        if value is not None:
            return Number(Decimal(value), "", "", False, match.group(), match.end())
    return None


def direction_of(word: str) -> int:
    """-1 for a fall (“下降”), +1 for a rise (“上涨”), 0 when the word says neither."""
    if any(w in word for w in FALL_WORDS):
        return -1
    if any(w in word for w in RISE_WORDS):
        return 1
    return 0


def tidy(raw: str) -> str:
    """Full-width → ASCII, outer spaces gone, spaces between a number and its unit gone (“65 %”)."""
    text = raw.translate(NARROW).strip()
    return re.sub(r"(?<=[0-9])\s+(?=[百千万亿wWkK%])", "", text)


def whole_number(text: str) -> Number | None:
    """`text` as exactly one number (Arabic or Chinese numerals), else None."""
    match = ARABIC.fullmatch(text)
    if match:
        return arabic_number(match)  # raises on units that do not compose (“万千”)
    if CHINESE.fullmatch(text):
        value = chinese_integer(text)
        if value is not None:
            return Number(Decimal(value), "", "", False, text, len(text))
    return None
