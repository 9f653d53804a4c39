#!/usr/bin/env python
"""The drafting eval (issue 12, item 7): do drafts answer the question asked, use only the facts given, never
leak the group's internal chatter, never admit fault before a QA result (and own it after one), and pass the
lint? Plays every request of tests/data/drafting_requests.yaml through the real pipeline (inbox → router →
/草拟 → outbox) in its own group of one temporary SQLite database, then checks the hand-written expectations.

    python bench/drafting_eval.py            # per expectation and overall, then every miss with its draft
    python bench/drafting_eval.py --json     # machine-readable results on stdout
    python bench/drafting_eval.py --show     # also print every draft

tests/drafting/test_drafting_eval.py imports `play` and `check` and asserts that every case holds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from bot.drafting.models import Draft  # noqa: E402
from tests.chat import SandboxChat  # noqa: E402

DATASET = ROOT / "tests" / "data" / "drafting_requests.yaml"
# Who speaks for each role in the eval's groups: (user id, name, the role word of /角色).
MEMBERS: dict[str, tuple[str, str, str]] = {
    "lead": ("ou_ceo", "周总", "负责人"),
    "ops": ("ou_ops", "王运营", "运营"),
    "marketing": ("ou_mkt", "李市场", "市场"),
    "support": ("ou_cs", "张客服", "客服"),
    "qa": ("ou_qa", "陈质检", "质检"),
}
EXPECTATIONS = (
    "answers_question",
    "no_chatter",
    "qa_stance",
    "only_given_facts",
    "proper_title",
    "first_version",
    "lint",
)
_CODE = re.compile(r"[A-Za-z]*\d+(?:\.\d+)?[A-Za-z]*")


@dataclass
class Played:
    """What one request produced: the stored draft and the card's title line."""

    case: str
    text: str
    score: int
    version: int
    card_title: str


@dataclass
class Checked:
    case: str
    held: dict[str, bool] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(self.held.values())


def load(path: Path = DATASET) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def play_all(cases: list[dict[str, Any]], db_url: str) -> list[Played]:
    """Every case in its own group (chat) of one database, through the real pipeline."""
    chat = SandboxChat(db_url)
    try:
        return [play(chat, case, chat_id=f"oc_eval_{n}") for n, case in enumerate(cases, 1)]
    finally:
        chat.close()


def play(chat: SandboxChat, case: dict[str, Any], *, chat_id: str) -> Played:
    minute = 0.0

    def say(text: str, who: str = "lead", mentions: tuple[tuple[str, str], ...] = ()) -> list:
        nonlocal minute
        minute += 1
        return chat.say(text, who=MEMBERS[who][0], minutes=minute, chat_id=chat_id, mentions=mentions)

    say(f"/危机 开启 {case['title']}")
    for uid, name, word in MEMBERS.values():
        say(f"/角色 {word} @{name}", mentions=((uid, name),))
    if case.get("remedy"):
        say(f"/补救 {case['remedy']}")
    for message in case.get("group", []):
        say(message["text"], who=message["who"])
    before = _last_draft_id(chat)
    replies = say(case["request"], who="marketing")
    with Session(chat.engine) as session:
        draft = session.exec(select(Draft).where(Draft.id > before).order_by(Draft.id.desc())).first()
    if draft is None:
        raise RuntimeError(f"{case['id']}: no draft was made; the bot said {[r.text for r in replies]}")
    title = next((r.card["title"] for r in replies if r.card and "title" in r.card), "")
    return Played(case["id"], draft.text, draft.score, draft.version, str(title))


def _last_draft_id(chat: SandboxChat) -> int:
    with Session(chat.engine) as session:
        return session.exec(select(Draft.id).order_by(Draft.id.desc())).first() or 0


def check(case: dict[str, Any], played: Played, rules: dict[str, Any]) -> Checked:
    """Each expectation of the case: held or not, and why not."""
    text, expect, result = played.text, case["expect"], Checked(case["id"])

    def verdict(name: str, problems: list[str]) -> None:
        result.held[name] = not problems
        if problems:
            result.why[name] = "; ".join(problems)

    verdict(
        "answers_question",
        [f"none of {words}" for words in expect.get("mentions", []) if not any(w in text for w in words)],
    )
    verdict("no_chatter", [f"quotes {s!r}" for s in expect.get("absent", []) if s in text])
    if expect["qa"] == "fault":
        owned = any(p in text for p in rules["ownership_phrases"])
        verdict("qa_stance", [] if owned else ["does not own the confirmed fault"])
    else:
        verdict("qa_stance", [f"admits {p!r} before a QA result" for p in rules["admission_phrases"] if p in text])
    given = " ".join([case.get("remedy") or "", case["request"], *expect.get("given", [])])
    remedy = case.get("remedy") or ""
    verdict(
        "only_given_facts",
        [f"{code!r} not given" for code in _CODE.findall(text) if code not in given]
        + [f"promises {w!r} (not in the remedy)" for w in rules["remedy_words"] if w in text and w not in remedy]
        + (["unfilled blank"] if "待补充" in text or "{" in text else []),
    )
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    raw = expect.get("title_not")
    verdict("proper_title", [f"title is the argument: {first_line!r}"] if raw and raw in first_line else [])
    verdict("first_version", [] if played.version == 1 and "第 1 版" in played.card_title else [played.card_title])
    minimum = rules.get("min_score", 80)
    verdict("lint", [] if played.score >= minimum else [f"score {played.score} < {minimum}"])
    return result


def run(path: Path = DATASET) -> tuple[list[Played], list[Checked]]:
    data = load(path)
    with tempfile.TemporaryDirectory() as folder:
        played = play_all(data["cases"], f"sqlite:///{Path(folder) / 'eval.db'}")
    return played, [check(case, p, data) for case, p in zip(data["cases"], played, strict=True)]


def summary(checked: list[Checked]) -> dict[str, Any]:
    return {
        "cases": len(checked),
        "hold": sum(c.ok for c in checked),
        "per_expectation": {name: sum(c.held[name] for c in checked) for name in EXPECTATIONS},
        "misses": {c.case: c.why for c in checked if not c.ok},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DATASET, help="the requests file")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--show", action="store_true", help="print every draft")
    args = parser.parse_args(argv)
    played, checked = run(args.set)
    result = summary(checked)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0 if result["hold"] == result["cases"] else 1
    total = result["cases"]
    for name, count in result["per_expectation"].items():
        print(f"{name:<18} {count:>3}/{total}")
    print(f"{'all hold':<18} {result['hold']:>3}/{total}")
    drafts = {p.case: p for p in played}
    for case, why in result["misses"].items():
        print(f"\n✗ {case} (score {drafts[case].score}, {drafts[case].card_title})")
        for name, reason in why.items():
            print(f"  {name}: {reason}")
        print("  " + drafts[case].text.replace("\n", "\n  "))
    if args.show:
        for p in played:
            print(f"\n— {p.case} (score {p.score}, v{p.version})\n{p.text}")
    return 0 if result["hold"] == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
