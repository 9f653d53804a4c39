"""The demo emergency group shown in the sandbox page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    title: str


MEMBERS: tuple[Member, ...] = (
    Member("ou_sandbox_ceo", "周总", "CEO"),
    Member("ou_sandbox_ops", "王运营", "运营"),
    Member("ou_sandbox_mkt", "李市场", "市场"),
    Member("ou_sandbox_cs", "张客服", "客服"),
    Member("ou_sandbox_qa", "陈质检", "质检"),
)
BOT = Member("ou_sandbox_bot", "复盘助手", "机器人")
DEFAULT_CHAT = "oc_sandbox_group"


def name_of(user_id: str) -> str:
    for member in (*MEMBERS, BOT):
        if member.user_id == user_id:
            return member.name
    return user_id
