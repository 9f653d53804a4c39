"""Complaint keywords with jieba (MIT; the usual Chinese word segmenter: its dictionary keeps 过敏, 烂脸, 检测报告
whole where character bigrams would also count 敏烂 and 脸必). The dictionary (~1 s to load) is loaded on the
first cut, never when the module is imported: an idle bot does not pay for it.

Cutting is the slow part (about 8,000 texts/s), so a negative comment is cut once, when it is imported: its
keyword candidates are stored with it (`Comment.words`, space-separated) and a retro or /舆情 only counts them.
Stop words are applied when counting, so a team's edit of the stop-word list counts at once; a comment stored
before the column existed (words NULL) is cut when counted."""

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


def candidates(text: str, cutter) -> list[str]:
    """The distinct words of a text that can be keywords (two characters or more, holding a Chinese character or a
    letter), in order; stop words not yet removed."""
    cut = cutter.lcut(text, HMM=False)
    return list(dict.fromkeys(w for w in (w.strip() for w in cut) if len(w) >= 2 and _WORD.search(w)))


def stored_words(texts: Iterable[str], *, words: Iterable[str] = ()) -> list[str]:
    """`Comment.words` of each text: its candidates space-separated (`words`, the phrase book's, kept whole)."""
    cutter = _jieba(words)
    return [" ".join(candidates(text, cutter)) for text in texts]


def top_words(
    stored: Iterable[tuple[str, int]],
    uncut: Iterable[tuple[str, int]],
    stop_words: frozenset[str],
    *,
    limit: int,
    words: Iterable[str] = (),
) -> list[tuple[str, int]]:
    """(word, comments using it), most first (ties by word), from (stored words, comments) pairs and from
    (distinct text not cut yet, times posted) pairs; `words` are kept whole."""
    counts: Counter[str] = Counter()
    for line, times in stored:
        for word in line.split():
            if word not in stop_words:
                counts[word] += times
    uncut = list(uncut)
    if uncut:
        cutter = _jieba(words)
        for text, times in uncut:
            for word in candidates(text, cutter):
                if word not in stop_words:
                    counts[word] += times
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
