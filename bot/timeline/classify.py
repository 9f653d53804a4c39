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


def statement(text: str, lexicon: Lexicon) -> tuple[str, str] | None:
    """(initial|formal, text without the prefix) when the message is a public response."""
    stripped = text.lstrip()
    for kind, prefixes in lexicon.statement_prefixes.items():
        for prefix in prefixes:
            if stripped.startswith(prefix):
                return kind, stripped[len(prefix) :].strip()
    return None


def kind_of(text: str, lexicon: Lexicon, *, has_metrics: bool = False) -> str:
    """The timeline kind of an ordinary message: the first lexicon kind with a matching word,
    else `metric` when it carried numbers, else `note`."""
    lowered = text.lower()
    for kind, words in lexicon.kinds.items():
        if any(word.lower() in lowered for word in words):
            return kind
    return "metric" if has_metrics else "note"


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
