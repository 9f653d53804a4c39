"""Mention markers: the core writes `mention(user_id)` into text; each transport turns the
markers into its own syntax. Text from users or an LLM can never forge one (see `neutralize`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

OPEN, CLOSE = "\ue000", "\ue001"  # private-use code points
_MARKER = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]+){CLOSE}")


def mention(user_id: str) -> str:
    return f"{OPEN}{user_id}{CLOSE}"


def neutralize(text: str) -> str:
    """Strip marker characters from untrusted text (they are private-use; no one types them)."""
    return text.replace(OPEN, "").replace(CLOSE, "")


def split(text: str) -> Iterator[tuple[str, bool]]:
    """Yield (piece, is_mention): literal text pieces and mentioned user ids, in order."""
    pos = 0
    for match in _MARKER.finditer(text):
        if match.start() > pos:
            yield text[pos : match.start()], False
        yield match.group(1), True
        pos = match.end()
    if pos < len(text):
        yield text[pos:], False


def mentioned_ids(text: str) -> list[str]:
    return [piece for piece, is_id in split(text) if is_id]
