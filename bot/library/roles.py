"""The emergency group's roles (contract ids) and the words people use for them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

ROLES: dict[str, tuple[str, ...]] = {
    "lead": ("负责人", "CEO", "ceo", "总负责人", "牵头人"),
    "ops": ("运营",),
    "marketing": ("市场", "市场部", "公关"),
    "support": ("客服",),
    "qa": ("质检", "品控", "质量"),
}

LABELS: dict[str, str] = {"lead": "负责人", "ops": "运营", "marketing": "市场", "support": "客服", "qa": "质检"}


def parse_role(word: str) -> str | None:
    word = word.strip()
    if word.lower() in ROLES:
        return word.lower()
    for role, names in ROLES.items():
        if word in names:
            return role
    return None


def label(role: str) -> str:
    return LABELS.get(role, role)


def check_role(value: str) -> str:
    """Pydantic validator: a contract role id."""
    if value not in ROLES:
        raise ValueError(f"unknown role {value!r}; known: {', '.join(ROLES)}")
    return value


RoleId = Annotated[str, AfterValidator(check_role)]
