"""The demo emergency group shown in the sandbox page: its members and the bot, from
`templates/sandbox/group.yaml`."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from bot.core.bundled import TEMPLATES


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    title: str


_GROUP = yaml.safe_load((TEMPLATES / "sandbox" / "group.yaml").read_text(encoding="utf-8"))

MEMBERS: tuple[Member, ...] = tuple(Member(**member) for member in _GROUP["members"])
BOT = Member(**_GROUP["bot"])
DEFAULT_CHAT: str = _GROUP["chat_id"]
CHAT_NAME: str = _GROUP["chat_name"]


def name_of(user_id: str) -> str:
    for member in (*MEMBERS, BOT):
        if member.user_id == user_id:
            return member.name
    return user_id
