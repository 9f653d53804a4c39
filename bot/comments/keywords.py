"""Complaint keywords with jieba (MIT; the usual Chinese word segmenter: its dictionary keeps 过敏, 烂脸, 检测报告
whole where character bigrams would also count 敏烂 and 脸必). The dictionary (~1 s to load) is loaded on the
first count, never at import: an idle bot does not pay for it."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")  # a keyword holds a Chinese character or a letter
_lock = threading.Lock()
_cutter = None
_added: set[str] = set()


def _jieba(words: Iterable[str] = ()):
    """jieba, its dictionary loaded, with `words` added to it (the phrase book's, kept whole)."""
    global _cutter
    with _lock:
        if _cutter is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _cutter = jieba
        for word in set(words) - _added:
            _cutter.add_word(word)
            _added.add(word)
    return _cutter


def words_of(text: str, stop_words: frozenset[str], cutter=None) -> set[str]:
    """The distinct words of a text that can be keywords: two characters or more, not a stop word."""
    cut = (cutter or _jieba()).lcut(text, HMM=False)
    return {w for w in (w.strip() for w in cut) if len(w) >= 2 and _WORD.search(w) and w not in stop_words}


def top_words(
    texts: Iterable[tuple[str, int]], stop_words: frozenset[str], *, limit: int, words: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """(word, comments using it), most first (ties by word), from (distinct text, times posted) pairs; `words`
    are kept whole."""
    cutter = _jieba(words)
    counts: Counter[str] = Counter()
    for text, times in texts:
        for word in words_of(text, stop_words, cutter):
            counts[word] += times
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
