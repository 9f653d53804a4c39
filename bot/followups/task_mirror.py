"""What the follow-ups need from a task app (Feishu Tasks; `bot.feishu.tasks`) to mirror action items: a task list
per group, a task per item created idempotently (the same token gives the same task back), its due date moved,
completed or removed, and whether it was completed there. No wire format here: the core speaks these calls and
these errors only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class ListSpec:
    token: str  # idempotency: the same token gives the same list back
    name: str
    chat_id: str  # the group, made a member of the list so everyone in it sees the tasks


@dataclass(frozen=True)
class TaskSpec:
    token: str  # idempotency: the same token gives the same task back (redelivery, restart, retry)
    summary: str
    description: str
    assignees: tuple[str, ...]  # user ids (open ids on Feishu)
    due: date | None  # a whole day; the task app reminds the assignees on it
    tasklist: str


class MirrorError(Exception):
    """A call to the task app failed. `retryable`: network, rate limit, server error — try again later."""

    def __init__(self, message: str, *, code: int = 0, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code, self.retryable, self.retry_after = code, retryable, retry_after


class MirrorDenied(MirrorError):
    """The app lacks a scope or the permission for this call (`scope_missing`: the app's scopes; otherwise the
    permission on the task or list). Nothing changes until an admin fixes it; told to the group once."""

    def __init__(self, message: str, *, code: int, scope_missing: bool, needs: str = "") -> None:
        super().__init__(message, code=code, retryable=False)
        self.scope_missing = scope_missing
        self.needs = needs  # the platform's names of the scopes to grant, when a scope is missing


class TaskGone(MirrorError):
    """The task no longer exists in the task app (deleted there)."""

    def __init__(self, message: str, *, code: int = 0) -> None:
        super().__init__(message, code=code, retryable=False)


class TaskMirror(Protocol):
    def create_list(self, spec: ListSpec) -> str:
        """The list's id (created, or the one this token already made)."""
        ...

    def create(self, spec: TaskSpec) -> str:
        """The task's id (created, or the one this token already made)."""
        ...

    def set_due(self, task_id: str, due: date | None) -> None: ...

    def complete(self, task_id: str, at: datetime) -> None: ...

    def remove(self, task_id: str) -> None:
        """Delete the task (its item was dropped): the task app stops reminding anyone of it."""
        ...

    def completed_at(self, task_id: str) -> datetime | None:
        """When the task was completed in the task app; None while it is open (TaskGone when deleted)."""
        ...
