"""The emergency group's roles (contract ids) and the words people use for them (`role_words` and `roles` in
`templates/labels.yaml`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from bot.core import labels

ROLES: dict[str, tuple[str, ...]] = {role: tuple(words) for role, words in labels.of("role_words").items()}


def parse_role(word: str) -> str | None:
    word = word.strip()
    if word.lower() in ROLES:
        return word.lower()
    for role, names in ROLES.items():
        if word in names:
            return role
    return None


def check_role(value: str) -> str:
    """Pydantic validator: a contract role id."""
    if value not in ROLES:
        raise ValueError(f"unknown role {value!r}; known: {', '.join(ROLES)}")
    return value


RoleId = Annotated[str, AfterValidator(check_role)]
