"""Command arguments: positional words, `key=value` options (English or Chinese keys), free text.

    parse_args('面霜 过敏 类型=product_defect since=2026-11-24 09:10', KEYS)
    → Args(words=['面霜', '过敏'], options={'type': 'product_defect', 'since': '2026-11-24 09:10'},
           text='面霜 过敏')

Rules:
- Words are separated by whitespace (the full-width space too). A word that starts with a
  quote (“…” or "…") runs to the matching closing quote, spaces included; the quotes are
  not part of the word. A quote in the middle of a word is just a character.
- A word is an option only when it starts like `key=` or `key＝` with a key of 1–12 letters,
  CJK characters or underscores, so URLs (`http://x.com/?a=b`) and sums (`1+1=2`) stay free
  text. ASCII keys match case-insensitively. A value may be quoted; a date value swallows a
  following time of day, so `since=2026-11-24 09:10` needs no quotes.
- An option whose key is not accepted, a repeated option, or an empty value is an
  ArgsProblem with a one-line Chinese message (the accepted keys in Chinese, English as the
  alias). With no accepted keys at all, nothing is an option: the whole input is free text
  (`/log a=b` logs "a=b").
- `text` is the positional part exactly as typed (newlines kept), with the option words cut
  out; when it is a single quoted word, the quotes are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.clock.moments import is_clock_word, is_date_word
from bot.core.wording import environment

_ROW_ID = re.compile(r"[0-9]{1,10}")
ROW_ID_MAX = 2**31 - 1  # the largest id any database's integer column holds


def row_id(value: object) -> int | None:
    """A typed or clicked number naming a row (“3”, 3): ASCII digits within a database integer, else None —
    so “²”, “３”, “99999999999999999999999” or a card value of the wrong type is “no such item”, never a crash."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= ROW_ID_MAX else None
    text = str(value).strip() if isinstance(value, str) else ""
    if not _ROW_ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= ROW_ID_MAX else None


class ArgsProblem(ValueError):
    """Arguments a user typed that we cannot use; the message is one line of Chinese."""


@dataclass
class Args:
    words: list[str]  # positional words in order (quotes keep spaces together)
    options: dict[str, str]  # canonical key → value
    text: str  # the positional part as typed, option words removed
    spans: list[tuple[int, int]] = field(default_factory=list, repr=False, compare=False)
    raw: str = field(default="", repr=False, compare=False)

    def rest(self, skip: int) -> str:
        """The free text after the first `skip` positional words, as typed
        (`/statement initial <text>` → args.rest(1))."""
        if len(self.spans) != len(self.words):
            return " ".join(self.words[skip:])
        return _join_as_typed(self.raw, self.spans[skip:], self.words[skip:])


_OPTION = re.compile(r"([A-Za-z\u4e00-\u9fff_]{1,12})[=＝]")
_CLOSERS = {'"': ('"', "”"), "“": ("”", '"')}  # phone keyboards mix straight and curly quotes
_QUOTES = tuple(_CLOSERS)


@dataclass
class _Token:
    start: int
    end: int
    value: str
    quoted: bool = False
    key: str | None = None  # set for option tokens (as typed)


def parse_args(raw: str, keys: dict[str, str]) -> Args:
    """Split `raw` into positional words, options and free text. `keys` maps every accepted
    key spelling (e.g. "type", "类型") to its canonical key ("type")."""
    lookup = {_fold(spelling): canonical for spelling, canonical in keys.items()}
    tokens = _tokens(raw, options_allowed=bool(lookup))
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    options: dict[str, str] = {}
    for token in tokens:
        if token.key is None:
            words.append(token.value)
            spans.append((token.start, token.end))
            continue
        canonical = lookup.get(_fold(token.key))
        if canonical is None:
            raise _problem("unknown_key", key=token.key, **_accepted(keys, token.key))
        if canonical in options:
            raise _problem("repeated", key=token.key)
        if not token.value.strip():
            raise _problem("empty", key=token.key)
        options[canonical] = token.value.strip()
    return Args(words=words, options=options, text=_join_as_typed(raw, spans, words), spans=spans, raw=raw)


def _problem(problem: str, **context: object) -> ArgsProblem:
    """The one-line Chinese explanation (templates/core/args_problem.j2)."""
    text = environment().get_template("core/args_problem.j2").render(problem=problem, **context).strip()
    return ArgsProblem(text)


def _fold(key: str) -> str:
    return key.lower() if key.isascii() else key


def _accepted(keys: dict[str, str], typed: str) -> dict[str, str]:
    """The accepted spellings, one per canonical key: Chinese first ("类型= 级别= 开始="), and for a key typed
    in English the English spellings as the alias ("type= level= since=")."""
    by_canonical: dict[str, list[str]] = {}
    for spelling, canonical in keys.items():
        by_canonical.setdefault(canonical, []).append(spelling)
    chinese = [next((s for s in spellings if not s.isascii()), spellings[0]) for spellings in by_canonical.values()]
    english = [next((s for s in spellings if s.isascii()), "") for spellings in by_canonical.values()]
    shown = " ".join(f"{s}=" for s in chinese)
    alias = " ".join(f"{s}=" for s in english if s)
    return {"accepted": shown, "english": alias if typed.isascii() and alias != shown else ""}


def _tokens(raw: str, *, options_allowed: bool) -> list[_Token]:
    tokens: list[_Token] = []
    pos = _skip_space(raw, 0)
    while pos < len(raw):
        option = _OPTION.match(raw, pos) if options_allowed else None
        if option is not None:
            token = _option_value(raw, option.end(), start=pos)
            token.key = option.group(1)
            token = _with_time_of_day(raw, token)
        else:
            token = _value(raw, pos, start=pos)
        tokens.append(token)
        pos = _skip_space(raw, token.end)
    return tokens


def _value(raw: str, pos: int, *, start: int) -> _Token:
    """The word beginning at `pos` (quoted or bare); the token's span begins at `start`."""
    opener = raw[pos] if pos < len(raw) else ""
    if opener in _QUOTES:
        close = _find_closer(raw, pos + 1, _CLOSERS[opener])
        if close is not None:
            tail_end = _word_end(raw, close + 1)
            return _Token(start, tail_end, raw[pos + 1 : close] + raw[close + 1 : tail_end], quoted=True)
    end = _word_end(raw, pos)
    return _Token(start, end, raw[pos:end])


def _option_value(raw: str, pos: int, *, start: int) -> _Token:
    """The value after `key=`; `类型= 产品缺陷` (a space after the =, as the help shows the
    keys) takes the next word, unless that word is itself an option."""
    if pos < len(raw) and not raw[pos].isspace():
        return _value(raw, pos, start=start)
    nxt = _skip_space(raw, pos)
    if nxt >= len(raw) or _OPTION.match(raw, nxt):
        return _Token(start, pos, "")
    token = _value(raw, nxt, start=nxt)
    return _Token(start, token.end, token.value, quoted=token.quoted)


def _with_time_of_day(raw: str, token: _Token) -> _Token:
    """`since=2026-11-24 09:10`: a date value continues with the time of day after it."""
    if token.quoted or not is_date_word(token.value):
        return token
    nxt = _skip_space(raw, token.end)
    if nxt == token.end or nxt >= len(raw):
        return token
    end = _word_end(raw, nxt)
    if not is_clock_word(raw[nxt:end]):
        return token
    return _Token(token.start, end, f"{token.value} {raw[nxt:end]}", key=token.key)


def _find_closer(raw: str, pos: int, closers: tuple[str, ...]) -> int | None:
    found = [i for i in (raw.find(c, pos) for c in closers) if i >= 0]
    return min(found) if found else None


def _word_end(raw: str, pos: int) -> int:
    while pos < len(raw) and not raw[pos].isspace():
        pos += 1
    return pos


def _skip_space(raw: str, pos: int) -> int:
    while pos < len(raw) and raw[pos].isspace():
        pos += 1
    return pos


def _join_as_typed(raw: str, spans: list[tuple[int, int]], words: list[str]) -> str:
    """The positional words as typed: the original text between neighbouring words is kept
    (newlines included); where option words were cut out, a single space (or a newline,
    if one was there) stands in."""
    if not spans:
        return ""
    if len(spans) == 1 and raw[spans[0][0]] in _QUOTES and words[0] != raw[spans[0][0] : spans[0][1]]:
        return words[0]
    parts = [raw[spans[0][0] : spans[0][1]]]
    for (_, prev_end), (start, end) in zip(spans, spans[1:], strict=False):
        gap = raw[prev_end:start]
        if gap.strip():  # an option word was cut out here
            gap = "\n" if "\n" in gap else " "
        parts.append(gap)
        parts.append(raw[start:end])
    return "".join(parts)
