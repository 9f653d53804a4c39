"""Scripted incidents for the retro tests: the emergency group on the shared chat driver (tests/chat.py), members
posting at wall-clock times in Shanghai on 2026-11-24, the real pipeline logging it all; and the checks on the
retro JSON (the contract's schema, its time values)."""

from __future__ import annotations

import json
from datetime import datetime

from jsonschema import Draft202012Validator, FormatChecker
from sqlmodel import Session, select

from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.retro import compute as retro
from tests.chat import SandboxChat
from tests.support import BUNDLED_PLAYBOOKS, ROOT, SH

DAY = datetime(2026, 11, 24, tzinfo=SH)
SCHEMA = json.loads((ROOT / "schemas" / "retro.schema.json").read_text("utf-8"))
ROSTER = {
    "负责人": ("ou_ceo", "周总"),
    "运营": ("ou_ops", "王运营"),
    "市场": ("ou_mkt", "李市场"),
    "客服": ("ou_cs", "陈客服"),
    "质检": ("ou_qa", "赵质检"),
}


def t(clock: str, day: int = 24) -> datetime:
    """A wall-clock time in Shanghai on 2026-11-`day`."""
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def iso(clock: str, day: int = 24) -> str:
    return f"2026-11-{day:02d}T{clock}:00+08:00"


class RetroGroup(SandboxChat):
    """The emergency group `oc_retro`; the bot's clock stands three days after the scripted day."""

    def __init__(self, db_url: str, **settings) -> None:
        super().__init__(db_url, start=DAY, chat_id="oc_retro", **settings)

    def at(self, clock: str, text: str, *, who: str = "ou_ops", mentions: tuple[tuple[str, str], ...] = ()) -> str:
        """Post `text` at `clock` and process it; returns the message id."""
        self.say(text, at=t(clock), who=who, mentions=mentions)
        return f"om{self.count}"

    def assign_roles(self) -> None:
        for word, (user_id, name) in ROSTER.items():
            self.at("08:00", f"/角色 {word} @{name}", who="ou_ceo", mentions=((user_id, name),))

    def incident(self) -> Incident:
        with Session(self.engine) as session:
            return session.exec(select(Incident).order_by(Incident.id.desc())).first()

    def retro(self, **kwargs) -> dict:
        """The retro JSON as `--format json` writes it, with the bundled playbooks."""
        with Session(self.engine) as session:
            incident = retro.latest_for_chat(session, self.chat_id)
            assert incident is not None
            given = {
                "library": load_playbooks(BUNDLED_PLAYBOOKS),
                "lexicon": load_lexicon(BUNDLED_PLAYBOOKS),
                "tz": SH,
                "now": self.clock(),
                **kwargs,
            }
            doc = retro.compute(session, incident, **given)
        return json.loads(json.dumps(doc, ensure_ascii=False))


def validate(doc: dict) -> None:
    errors = sorted(Draft202012Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def times_in(doc: dict) -> list[str]:
    """Every time value of the document (by the contract's field names)."""
    found = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and (key in ("at", "first_at", "next_review_at") or key.endswith("_at")):
            found.append(node)

    walk(doc)
    return found


def steps_of(doc: dict) -> list[tuple]:
    return [(s["id"], s["role"], s["owners"], s["due_at"], s["done_at"], s["met"]) for s in doc["steps"]]


def codes(doc: dict, kind: str) -> list[str]:
    return [f["code"] for f in doc["findings"] if f["kind"] == kind]
