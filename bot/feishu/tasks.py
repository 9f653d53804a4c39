"""Action items as Feishu Tasks (task v2 over lark-oapi): the `TaskMirror` of `bot.followups.task_mirror`.

A group's items go into one task list (`POST /open-apis/task/v2/tasklists`, the group a viewer of it); each item
is a task (`POST /open-apis/task/v2/tasks`) with the item's owners as `assignee` members, an all-day `due` with a
reminder at it (Feishu Tasks reminds the assignees, not the bot) and a `client_token`, so a create sent again gives
the same task back. Completion is `PATCH … completed_at`; a moved due date `PATCH … due`; a dropped item's task is
deleted; completion in Feishu is read back with `GET /open-apis/task/v2/tasks/:guid`.

Errors: a missing scope (99991672 for the app, 99991679 for a user authorisation) or no permission on the task or
list (1470403) is `MirrorDenied`; a task that no longer exists (1470404) `TaskGone`; rate limits (HTTP 429), server
errors and network failures are retryable; an invalid tenant token clears lark-oapi's cache and is tried once more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import lark_oapi as lark
from lark_oapi.api.task.v2 import (
    CreateTasklistRequest,
    CreateTaskRequest,
    DeleteTaskRequest,
    Due,
    GetTaskRequest,
    InputTask,
    InputTasklist,
    Member,
    PatchTaskRequest,
    PatchTaskRequestBody,
    Reminder,
    TaskInTasklistInfo,
)

from bot.feishu.client import INVALID_TOKEN_CODES, RATE_LIMIT_CODES, RETRYABLE_CODES, clear_token_cache
from bot.feishu.scopes import TASKS
from bot.followups.task_mirror import ListSpec, MirrorDenied, MirrorError, TaskGone, TaskSpec

log = logging.getLogger(__name__)

SCOPE_CODES = {99991672, 99991679}  # the app lacks the scope / the user has not granted it
PERMISSION_CODES = {1470403}  # no permission on this task or task list
NOT_FOUND_CODES = {1470404}
ID_TYPE = "open_id"


def due_of(day: date | None) -> Due | None:
    """An all-day due: the day's 00:00 UTC in milliseconds, as Feishu Tasks stores whole days."""
    if day is None:
        return None
    millis = int(datetime.combine(day, time(0), tzinfo=UTC).timestamp() * 1000)
    return Due.builder().timestamp(millis).is_all_day(True).build()


class FeishuTaskMirror:
    def __init__(self, client: lark.Client, app_id: str) -> None:
        self.client = client
        self.app_id = app_id

    # ---- the calls ------------------------------------------------------------------------------------------------

    def create_list(self, spec: ListSpec) -> str:
        body = (
            InputTasklist.builder()
            .name(spec.name)
            .client_token(spec.token)
            .members([Member.builder().id(spec.chat_id).type("chat").role("viewer").build()])
            .build()
        )
        request = CreateTasklistRequest.builder().user_id_type(ID_TYPE).request_body(body).build()
        response = self._call(lambda: self.client.task.v2.tasklist.create(request), "create task list")
        return response.data.tasklist.guid

    def create(self, spec: TaskSpec) -> str:
        builder = (
            InputTask.builder()
            .summary(spec.summary)
            .description(spec.description)
            .client_token(spec.token)
            .members([Member.builder().id(user).type("user").role("assignee").build() for user in spec.assignees])
        )
        if spec.tasklist:
            builder = builder.tasklists([TaskInTasklistInfo.builder().tasklist_guid(spec.tasklist).build()])
        if spec.due is not None:
            builder = builder.due(due_of(spec.due)).reminders([Reminder.builder().relative_fire_minute(0).build()])
        request = CreateTaskRequest.builder().user_id_type(ID_TYPE).request_body(builder.build()).build()
        response = self._call(lambda: self.client.task.v2.task.create(request), "create task")
        return response.data.task.guid

    def set_due(self, task_id: str, due: date | None) -> None:
        task = InputTask.builder()
        if due is not None:
            task = task.due(due_of(due))
        self._patch(task_id, task.build(), ["due"], "move task due")

    def complete(self, task_id: str, at: datetime) -> None:
        task = InputTask.builder().completed_at(int(at.timestamp() * 1000)).build()
        self._patch(task_id, task, ["completed_at"], "complete task")

    def remove(self, task_id: str) -> None:
        request = DeleteTaskRequest.builder().task_guid(task_id).build()
        self._call(lambda: self.client.task.v2.task.delete(request), "delete task")

    def completed_at(self, task_id: str) -> datetime | None:
        request = GetTaskRequest.builder().task_guid(task_id).user_id_type(ID_TYPE).build()
        response = self._call(lambda: self.client.task.v2.task.get(request), "get task")
        millis = int(response.data.task.completed_at or 0)  # an int64 sent as a string; "0" while open
        return datetime.fromtimestamp(millis / 1000, UTC) if millis else None

    # ---- plumbing -------------------------------------------------------------------------------------------------

    def _patch(self, task_id: str, task: InputTask, fields: list[str], what: str) -> None:
        body = PatchTaskRequestBody.builder().task(task).update_fields(fields).build()
        request = PatchTaskRequest.builder().task_guid(task_id).user_id_type(ID_TYPE).request_body(body).build()
        self._call(lambda: self.client.task.v2.task.patch(request), what)

    def _call(self, call: Callable[[], Any], what: str) -> Any:
        response = self._attempt(call, what)
        if response.code in INVALID_TOKEN_CODES:
            log.warning("tenant token rejected; clearing lark-oapi's token cache and retrying once")
            clear_token_cache(self.app_id)
            response = self._attempt(call, what)
        if response.success():
            return response
        raise _error(response, what)

    @staticmethod
    def _attempt(call: Callable[[], Any], what: str) -> Any:
        try:
            return call()
        except Exception as exc:  # network error, or a gateway page that is not JSON
            raise MirrorError(f"{what}: {type(exc).__name__}: {exc}", retryable=True) from exc


def _error(response: Any, what: str) -> MirrorError:
    code = response.code
    status = getattr(response.raw, "status_code", 200) if response.raw is not None else 200
    detail = f"{what}: HTTP {status}, code {code}: {response.msg}"
    if code in SCOPE_CODES or code in PERMISSION_CODES:
        return MirrorDenied(detail, code=code, scope_missing=code in SCOPE_CODES, needs="、".join(TASKS.scopes))
    if code in NOT_FOUND_CODES:
        return TaskGone(detail, code=code)
    if status == 429 or code in RATE_LIMIT_CODES:
        return MirrorError(detail, code=code, retryable=True, retry_after=_reset_after(response))
    if status >= 500 or code in RETRYABLE_CODES:
        return MirrorError(detail, code=code, retryable=True)
    return MirrorError(detail, code=code, retryable=False)


def _reset_after(response: Any) -> float:
    """Seconds until the gateway's rate limit resets (`x-ogw-ratelimit-reset`), 1 s when it does not say."""
    headers = getattr(response.raw, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "x-ogw-ratelimit-reset"), None)
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
