"""What the crisis lexicon (`sentiment:` in `lexicon.yaml`) finds in a comment: the emotions it names, whether a
cue or sarcasm makes it negative, and the negated hits (“没有烂脸”, “不是智商税”) the model reads as features."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.library.lexicon import SentimentRules

MASK = "□"  # stands for a negated crisis word in what the model reads
_CLAUSE_END = re.compile(r"[，。！？,.!?；;~～\s…]")


@dataclass(frozen=True)
class Hits:
    """One comment's lexicon reading."""

    emotions: frozenset[str]  # crisis-emotion codes named and not negated (sarcasm included)
    negative: bool  # a cue or sarcasm makes the comment negative
    tokens: tuple[str, ...]  # the model's lexicon features (`§cue:safety`, `§not:safety`, `§sarcasm` …)
    text: str  # what the model reads: the comment with each negated hit masked (“没有□”), so 没有刺痛 does not
    # weigh like 刺痛


class CueReader:
    """The compiled form of a `sentiment:` section; `read(text)` is a few regex scans of the text."""

    def __init__(self, rules: SentimentRules) -> None:
        self.rules = rules
        entries: list[tuple[str, str, str]] = []  # (pattern, emotion, "cue" | "word")
        for emotion, words in rules.emotions.items():
            entries += [(p, emotion, "cue") for p in words.cues]
            entries += [(p, emotion, "word") for p in words.words]
        # Plain words are looked up by position (fast); the few real regular expressions are searched.
        self._words: dict[str, tuple[str, str]] = {}
        for pattern, emotion, kind in entries:
            if re.escape(pattern) == pattern:
                self._words.setdefault(pattern, (emotion, kind))
        self._lengths = sorted({len(word) for word in self._words}, reverse=True)  # longest first: 再也不买 > 不买
        self._initials = frozenset(word[0] for word in self._words)
        self._patterns = [entry for entry in entries if re.escape(entry[0]) != entry[0]]
        self._regex = (
            re.compile("|".join(f"(?P<h{i}>{p})" for i, (p, _, _) in enumerate(self._patterns)))
            if self._patterns
            else None
        )
        self._negator = re.compile("|".join(f"(?:{p})" for p in sorted(rules.negation, key=len, reverse=True)))
        self._not_negation = (
            re.compile("|".join(f"(?:{p})" for p in sorted(rules.not_negation, key=len, reverse=True)))
            if rules.not_negation
            else None
        )
        sarcasm = rules.sarcasm
        self._marker = re.compile("|".join(f"(?:{p})" for p in sarcasm.markers))
        self._framed = re.compile(
            f"(?:{_alternation(sarcasm.intensifiers)})(?:{_alternation(sarcasm.praise)})"
            f"(?:{_alternation(sarcasm.particles)})"
        )

    def read(self, text: str) -> Hits:
        emotions: set[str] = set()
        tokens: list[str] = []
        cue = False
        spans = None
        masked = text
        for start, end, emotion, kind in self._find(text):
            if emotion not in self.rules.never_negated:
                if spans is None:
                    spans = self._exempt_spans(text)
                if self._negated(text, start, spans):
                    tokens.append(f"§not:{emotion}")
                    masked = masked[:start] + MASK * (end - start) + masked[end:]
                    continue
            emotions.add(emotion)
            tokens.append(f"§{kind}:{emotion}")
            cue = cue or kind == "cue"
        sarcastic = bool(self._marker.search(text)) or (cue and bool(self._framed.search(text)))
        if sarcastic:
            emotions.add("sarcasm")
            tokens.append("§sarcasm")
        return Hits(frozenset(emotions), cue or sarcastic, tuple(tokens), masked)

    def _find(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, emotion, cue|word) of every hit, left to right; the longest word wins at a position and words do
        not overlap."""
        found: list[tuple[int, int, str, str]] = []
        words, initials, lengths = self._words, self._initials, self._lengths
        i, end = 0, len(text)
        while i < end:
            if text[i] in initials:
                for n in lengths:
                    entry = words.get(text[i : i + n]) if i + n <= end else None
                    if entry is not None:
                        found.append((i, i + n, *entry))
                        i += n - 1
                        break
            i += 1
        if self._regex is not None:
            for match in self._regex.finditer(text):
                _, emotion, kind = self._patterns[int(match.lastgroup[1:])]  # type: ignore[index]
                found.append((match.start(), match.end(), emotion, kind))
            found.sort(key=lambda hit: hit[0])
        return found

    def _exempt_spans(self, text: str) -> list[tuple[int, int]]:
        if self._not_negation is None:
            return []
        return [m.span() for m in self._not_negation.finditer(text)]

    def _negated(self, text: str, start: int, exempt: list[tuple[int, int]]) -> bool:
        """A negator in the same clause within the window before `start`, not part of an exempt phrase that ends
        before the hit (“有没有过敏” asks; “没过敏” negates although 没过 is exempt elsewhere)."""
        begin = max(0, start - self.rules.negation_window)
        clause = _CLAUSE_END.search(text[begin:start][::-1])
        if clause is not None:
            begin = start - clause.start()
        for negator in self._negator.finditer(text, begin, start):
            at = negator.start()
            if not any(lo <= at < hi <= start for lo, hi in exempt):
                return True
        return False


def _alternation(patterns: list[str]) -> str:
    return "|".join(sorted(patterns, key=len, reverse=True))


_readers: dict[int, CueReader] = {}


def reader_for(rules: SentimentRules) -> CueReader:
    """The compiled reader of a rules object, kept while that object is the one in use (the lexicon loader hands
    out the same object until the file changes)."""
    reader = _readers.get(id(rules))
    if reader is None or reader.rules is not rules:
        if len(_readers) >= 8:
            _readers.clear()
        reader = _readers[id(rules)] = CueReader(rules)
    return reader
