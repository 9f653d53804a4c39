"""Rule-based reading of a chat message with the lexicon: statement prefixes, timeline kind,
links and the platforms they point to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from bot.library.lexicon import Lexicon

_URL = re.compile(r"https?://[^\s<>\"'，。；）)】]+", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    url: str
    platform: str  # xhs | weibo | douyin | web


GUARD_REACH = 12  # characters before a kind's word a guard may span


def statement(text: str, lexicon: Lexicon) -> tuple[str, str] | None:
    """(initial|formal, text without the prefix) when the message is a public response."""
    stripped = text.lstrip()
    for kind, prefixes in lexicon.statement_prefixes.items():
        for prefix in prefixes:
            if stripped.startswith(prefix):
                return kind, stripped[len(prefix) :].strip()
    return None


def kind_of(text: str, lexicon: Lexicon, *, has_metrics: bool = False) -> str:
    """The timeline kind of an ordinary message: the first lexicon kind with a word that occurs unguarded (not
    right after a guard of the kind: “联系博主” plans, “别转发” forbids), else `metric` when it carried numbers,
    else `note`."""
    lowered = text.lower()
    for kind, words in lexicon.kinds.items():
        guards = [re.compile(pattern + "$") for pattern in lexicon.kind_guards.get(kind, ())]
        if any(_unguarded(lowered, word.lower(), guards) for word in words):
            return kind
    return "metric" if has_metrics else "note"


def _unguarded(text: str, word: str, guards: list[re.Pattern[str]]) -> bool:
    """Whether `word` occurs in `text` at least once without a guard matching the characters just before it."""
    start = text.find(word)
    while start != -1:
        before = text[max(0, start - GUARD_REACH) : start]
        if not any(guard.search(before) for guard in guards):
            return True
        start = text.find(word, start + 1)
    return False


def links(text: str, lexicon: Lexicon) -> list[Link]:
    found = []
    for match in _URL.finditer(text):
        url = match.group(0)
        found.append(Link(url, _platform_of(urlparse(url).hostname or "", lexicon)))
    return found


def _platform_of(host: str, lexicon: Lexicon) -> str:
    host = host.lower()
    for platform, domains in lexicon.link_domains.items():
        if any(host == domain or host.endswith("." + domain) for domain in domains):
            return platform
    return "web"
