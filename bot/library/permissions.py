"""Who may do what: `permissions.yaml` in the playbook folder's `access/` subfolder (not a playbook), validated by
a pydantic schema; `crisisbot check` reports its problems with path, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.config import BUNDLED_PLAYBOOKS
from bot.library.loader import DataFileError, LastGood, file_stamp, validated
from bot.library.roles import check_role

FILE = Path("access") / "permissions.yaml"
GUARDED = ("close", "cancel_others_action", "schedule", "drill", "reload_playbooks", "assign_roles")

Role = Annotated[str, AfterValidator(check_role)]


class PermissionsError(DataFileError):
    """permissions.yaml is missing or invalid (the message names the path, the field and the reason)."""


class Permissions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    actions: dict[Literal[GUARDED], tuple[Role, ...]] = Field(min_length=len(GUARDED))
    first_lead: tuple[Literal["group_owner", "anyone"], ...] = ("group_owner",)

    def roles_for(self, action: str) -> tuple[str, ...]:
        return self.actions[action]


def parse(folder: Path) -> Permissions:
    problems: list[str] = []
    path = folder / FILE
    if not path.is_file():  # a team's playbook folder without the file: the bundled rules apply
        path = BUNDLED_PLAYBOOKS / FILE
    found = validated(path, Permissions, problems)
    if found is None:
        raise PermissionsError("\n".join(problems))
    return found


_last_good = LastGood("permissions", parse, lambda folder: file_stamp(folder / FILE), error=PermissionsError)


def load(folder: Path) -> Permissions:
    return _last_good.load(folder)
