"""Readable examples of the lint rules' regular expressions, for documents people read (the annual plan's
"phrases to avoid"): `深表歉意|深感歉意` → ["深表歉意", "深感歉意"], `后续(?:会|将)(?:妥善)?处理` → ["后续会处理"].

Only a small, safe subset of regex syntax is expanded: literals, escaped punctuation, groups and alternation (the
first alternative of an inner group), character classes (their first character), quantifiers (the minimum count)
and lookarounds (dropped). A top-level alternative using anything else (`.`, `\\d`, a negated class that must
match) gives no example; a pattern with no example is simply left out of the document."""

from __future__ import annotations

from dataclasses import dataclass

_UNSUPPORTED = object()  # an atom that has no readable example (`.`, `\d`, `[^…]`)
_ESCAPES = {"s": " "}  # escapes with a readable stand-in; `\d`, `\w` … have none


class _NoExample(Exception):
    pass


@dataclass
class _Parser:
    text: str
    pos: int = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def alternatives(self) -> list[list[tuple[object, int]]]:
        """`a|b|c` up to a closing parenthesis or the end: each alternative is a list of (atom, minimum count)."""
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        return branches

    def sequence(self) -> list[tuple[object, int]]:
        items: list[tuple[object, int]] = []
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            count = self.quantifier()
            if atom is not None:
                items.append((atom, count))
        return items

    def atom(self) -> object:
        char = self.take()
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            escaped = self.take()
            if escaped.isalnum():
                return _ESCAPES.get(escaped, _UNSUPPORTED)
            return escaped
        if char in "^$":
            return None
        if char == ".":
            return _UNSUPPORTED
        return char

    def group(self) -> object:
        lookaround = False
        if self.peek() == "?":
            self.take()
            kind = self.take()
            if kind == "<" and self.peek() in "=!":
                self.take()
                lookaround = True
            elif kind in "=!":
                lookaround = True
            elif kind == "P" and self.peek() == "<":
                while self.take() not in (">", ""):
                    pass
            elif kind != ":":
                raise _NoExample(f"unsupported group (?{kind}")
        branches = self.alternatives()
        if self.take() != ")":
            raise _NoExample("unbalanced parenthesis")
        return None if lookaround else branches

    def char_class(self) -> object:
        negated = self.peek() == "^"
        if negated:
            self.take()
        first: object = None
        while True:
            char = self.take()
            if char == "":
                raise _NoExample("unterminated character class")
            if char == "]" and first is not None:
                break
            if char == "\\":
                escaped = self.take()
                char = _ESCAPES.get(escaped, _UNSUPPORTED) if escaped.isalnum() else escaped
            if first is None:
                first = char
        return _UNSUPPORTED if negated else first

    def quantifier(self) -> int:
        char = self.peek()
        count = 1
        if char in ("?", "*"):
            self.take()
            count = 0
        elif char == "+":
            self.take()
        elif char == "{":
            end = self.text.find("}", self.pos)
            body = self.text[self.pos + 1 : end] if end > 0 else ""
            low = body.split(",")[0].strip()
            if not low.isdigit():
                return 1  # a literal "{"
            self.pos = end + 1
            count = int(low)
        if count != 1 or char in ("+",):
            if self.peek() in ("?", "+"):  # lazy or possessive
                self.take()
        return count


def _expand(branch: list[tuple[object, int]]) -> str:
    out: list[str] = []
    for atom, count in branch:
        if count == 0:
            continue
        if atom is _UNSUPPORTED:
            raise _NoExample("no readable stand-in")
        text = _expand(atom[0]) if isinstance(atom, list) else str(atom)
        out.append(text * count)
    return "".join(out)


def examples(pattern: str) -> list[str]:
    """One readable example per top-level alternative of `pattern` (duplicates and blanks dropped, order kept)."""
    parser = _Parser(pattern)
    try:
        branches = parser.alternatives()
        if parser.pos < len(pattern):
            return []
    except _NoExample:
        return []
    found: list[str] = []
    for branch in branches:
        try:
            text = " ".join(_expand(branch).split())
        except _NoExample:
            continue
        if text and text not in found:
            found.append(text)
    return found
