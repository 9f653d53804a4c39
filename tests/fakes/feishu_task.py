"""The fake Open API's Tasks endpoints (task v2: tasks, task lists), with Feishu's request/response shapes and error
codes.

- ``POST /open-apis/task/v2/tasklists`` and ``POST /open-apis/task/v2/tasks``: a ``client_token`` seen before
  returns what it created then (idempotent create), ``{"code": 0, "data": {"tasklist"|"task": {...}}}``.
- ``GET|PATCH|DELETE /open-apis/task/v2/tasks/:guid``: PATCH takes ``{"task": {...}, "update_fields": [...]}``.
- int64 fields (``due.timestamp``, ``completed_at``, ``created_at``…) are strings on the wire, as Feishu sends them.
- Errors: 1470400 bad request (HTTP 400), 1470403 no permission on the task or list (HTTP 403; guids listed in
  ``task_forbidden``), 1470404 not found (HTTP 404), and 99991672 when the app lacks every scope an endpoint
  accepts (``task_scopes_missing``; Feishu's message and ``permission_violations``). Rate limits (99991400, HTTP 429)
  come from the server's fault injection (``fail_with_code`` / ``fail_next`` with ``path_prefix="/open-apis/task/"``).

Tests act as a person in the Feishu Tasks app with ``complete_task``, ``delete_task`` and ``delete_tasklist``.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from typing import Any

from tests.fakes.feishu_im import ImEndpoints
from tests.fakes.feishu_server import Call, Reply, error, json_reply, ok

CODE_TASK_BAD_REQUEST = 1470400
CODE_TASK_FORBIDDEN = 1470403
CODE_TASK_NOT_FOUND = 1470404
CODE_SCOPE_MISSING = 99991672
CODE_USER_SCOPE_MISSING = 99991679

TASK_WRITE = ("task:task:write", "task:task:writeonly")
TASK_READ = ("task:task:read", "task:task:write")
TASKLIST_WRITE = ("task:tasklist:write", "task:tasklist:writeonly")
PATCHABLE = {"summary", "description", "due", "start", "completed_at", "extra", "repeat_rule", "mode", "is_milestone"}
MEMBER_ROLES = {"assignee", "follower"}


def _ms() -> str:
    return str(int(time.time() * 1000))


class TaskEndpoints(ImEndpoints):
    """Task v2 tasks and task lists; tests read ``tasks`` / ``tasklists`` and set ``task_scopes_missing``."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__(app_id, app_secret)
        self._tasks: dict[str, dict[str, Any]] = {}
        self._tasklists: dict[str, dict[str, Any]] = {}
        self._task_tokens: dict[str, str] = {}  # client_token → guid (tasks and lists)
        self.task_scopes_missing: set[str] = set()
        self.task_forbidden: set[str] = set()  # task guids the app may no longer touch (1470403)
        self._routes += [
            ("POST", re.compile(r"/open-apis/task/v2/tasklists"), self._create_tasklist),
            ("POST", re.compile(r"/open-apis/task/v2/tasks"), self._create_task),
            ("GET", re.compile(r"/open-apis/task/v2/tasks/([^/]+)"), self._get_task),
            ("PATCH", re.compile(r"/open-apis/task/v2/tasks/([^/]+)"), self._patch_task),
            ("DELETE", re.compile(r"/open-apis/task/v2/tasks/([^/]+)"), self._delete_task),
        ]

    # ----- what tests read and do ------------------------------------------------------------

    @property
    def tasks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(task) for task in self._tasks.values()]

    @property
    def tasklists(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(tasklist) for tasklist in self._tasklists.values()]

    def complete_task(self, guid: str) -> None:
        """Someone ticks the task off in the Feishu Tasks app."""
        with self._lock:
            task = self._tasks[guid]
            task["completed_at"], task["status"], task["updated_at"] = _ms(), "done", _ms()

    def delete_task(self, guid: str) -> None:
        """Someone deletes the task in the Feishu Tasks app."""
        with self._lock:
            del self._tasks[guid]

    def delete_tasklist(self, guid: str) -> None:
        """Someone deletes the task list in the Feishu Tasks app (its client token stays spent)."""
        with self._lock:
            del self._tasklists[guid]

    # ----- checks ----------------------------------------------------------------------------

    def _scope_error(self, accepted: tuple[str, ...]) -> Reply | None:
        if not set(accepted) <= self.task_scopes_missing:
            return None
        listed = ", ".join(accepted)
        message = (
            f"Access denied. One of the following scopes is required: [{listed}]."
            f"应用尚未开通所需的应用身份权限：[{listed}]，点击链接申请并开通任一权限即可："
            f"https://open.feishu.cn/app/{self.app_id}/auth?q={','.join(accepted)}&op_from=openapi&token_type=tenant"
        )
        payload = {
            "code": CODE_SCOPE_MISSING,
            "msg": message,
            "error": {
                "log_id": secrets.token_hex(12),
                "permission_violations": [{"type": "action_scope_required", "subject": s} for s in accepted],
            },
        }
        return json_reply(400, payload)

    def _found(self, guid: str) -> tuple[dict[str, Any] | None, Reply | None]:
        if guid in self.task_forbidden:
            return None, error(CODE_TASK_FORBIDDEN, "no permission to operate the task", status=403)
        with self._lock:
            task = self._tasks.get(guid)
        if task is None:
            return None, error(CODE_TASK_NOT_FOUND, "task not found", status=404)
        return task, None

    @staticmethod
    def _bad(detail: str) -> Reply:
        return error(CODE_TASK_BAD_REQUEST, f"invalid request: {detail}")

    @staticmethod
    def _due(raw: Any) -> tuple[dict[str, Any] | None, str]:
        if raw is None:
            return None, ""
        if not isinstance(raw, dict) or not str(raw.get("timestamp", "")).isdigit():
            return None, "due.timestamp must be milliseconds"
        return {"timestamp": str(raw["timestamp"]), "is_all_day": bool(raw.get("is_all_day", False))}, ""

    def _members(self, raw: Any, id_type: str) -> tuple[list[dict[str, Any]], str]:
        members = []
        for member in raw or []:
            role, kind, member_id = member.get("role"), member.get("type", "user"), member.get("id", "")
            if role not in MEMBER_ROLES or kind not in ("user", "app"):
                return [], f"member role {role!r} / type {kind!r} not allowed"
            if kind == "user" and id_type == "open_id" and not str(member_id).startswith("ou_"):
                return [], f"member id {member_id!r} is not an open_id"
            members.append({"id": member_id, "type": kind, "role": role})
        return members, ""

    # ----- task lists ------------------------------------------------------------------------

    def _create_tasklist(self, call: Call) -> Reply:
        denied = self._scope_error(TASKLIST_WRITE)
        if denied is not None:
            return denied
        body = call.json or {}
        name = (body.get("name") or "").strip()
        if not name or len(name) > 100:
            return self._bad("name is required (at most 100 characters)")
        token = body.get("client_token") or ""
        with self._lock:
            if token and token in self._task_tokens:
                if self._task_tokens[token] not in self._tasklists:
                    return self._bad("client_token was used by a task list that has been deleted")
                return ok({"tasklist": dict(self._tasklists[self._task_tokens[token]])})
        members = []
        for member in body.get("members") or []:
            if member.get("type") not in ("user", "chat", "app") or member.get("role") not in ("editor", "viewer"):
                return self._bad("tasklist member type/role")
            members.append({"id": member.get("id"), "type": member["type"], "role": member["role"]})
        guid = str(uuid.uuid4())
        tasklist = {
            "guid": guid,
            "name": name,
            "creator": {"id": self.app_id, "type": "app", "role": "creator"},
            "owner": {"id": self.app_id, "type": "app", "role": "owner"},
            "members": members,
            "url": f"https://applink.feishu.cn/client/todo/task_list?guid={guid}",
            "created_at": _ms(),
            "updated_at": _ms(),
            "archive_msec": "0",
        }
        with self._lock:
            self._tasklists[guid] = tasklist
            if token:
                self._task_tokens[token] = guid
        return ok({"tasklist": dict(tasklist)})

    # ----- tasks -----------------------------------------------------------------------------

    def _create_task(self, call: Call) -> Reply:
        denied = self._scope_error(TASK_WRITE)
        if denied is not None:
            return denied
        body = call.json or {}
        summary = (body.get("summary") or "").strip()
        if not summary or len(summary) > 3000:
            return self._bad("summary is required (at most 3000 characters)")
        if len(body.get("description") or "") > 3000:
            return self._bad("description is at most 3000 characters")
        token = body.get("client_token") or ""
        with self._lock:
            if token and token in self._task_tokens and self._task_tokens[token] in self._tasks:
                return ok({"task": dict(self._tasks[self._task_tokens[token]])})
        members, problem = self._members(body.get("members"), call.query.get("user_id_type", "open_id"))
        due, due_problem = self._due(body.get("due"))
        problem = problem or due_problem
        if problem:
            return self._bad(problem)
        lists = []
        for entry in body.get("tasklists") or []:
            if entry.get("tasklist_guid") not in self._tasklists:
                return error(CODE_TASK_NOT_FOUND, "tasklist not found", status=404)
            lists.append({"tasklist_guid": entry["tasklist_guid"], "section_guid": f"sec_{entry['tasklist_guid'][:8]}"})
        guid = str(uuid.uuid4())
        task = {
            "guid": guid,
            "task_id": f"t{secrets.randbelow(10**7):07d}",
            "summary": summary,
            "description": body.get("description") or "",
            "due": due,
            "reminders": [
                {"id": str(i + 1), "relative_fire_minute": r.get("relative_fire_minute", 0)}
                for i, r in enumerate(body.get("reminders") or [])
            ],
            "creator": {"id": self.app_id, "type": "app", "role": "creator"},
            "members": members,
            "completed_at": "0",
            "status": "todo",
            "tasklists": lists,
            "created_at": _ms(),
            "updated_at": _ms(),
            "url": f"https://applink.feishu.cn/client/todo/detail?guid={guid}",
            "mode": 2,
            "is_milestone": False,
        }
        with self._lock:
            self._tasks[guid] = task
            if token:
                self._task_tokens[token] = guid
        return ok({"task": dict(task)})

    def _get_task(self, call: Call, guid: str) -> Reply:
        denied = self._scope_error(TASK_READ)
        if denied is not None:
            return denied
        task, problem = self._found(guid)
        return problem or ok({"task": dict(task)})

    def _patch_task(self, call: Call, guid: str) -> Reply:
        denied = self._scope_error(TASK_WRITE)
        if denied is not None:
            return denied
        task, problem = self._found(guid)
        if problem is not None:
            return problem
        body = call.json or {}
        fields, changes = body.get("update_fields") or [], body.get("task") or {}
        if not fields:
            return self._bad("update_fields is required")
        if set(fields) - PATCHABLE:
            return self._bad(f"update_fields may not hold {sorted(set(fields) - PATCHABLE)}")
        updates: dict[str, Any] = {}
        for name in fields:
            if name == "due":
                updates["due"], problem = self._due(changes.get("due"))
                if problem:
                    return self._bad(problem)
            elif name == "completed_at":
                value = str(changes.get("completed_at", "0"))
                if not value.isdigit():
                    return self._bad("completed_at must be milliseconds")
                updates["completed_at"], updates["status"] = value, "todo" if value == "0" else "done"
            else:
                updates[name] = changes.get(name)
        with self._lock:
            task.update(updates, updated_at=_ms())
            return ok({"task": dict(task)})

    def _delete_task(self, call: Call, guid: str) -> Reply:
        denied = self._scope_error(TASK_WRITE)
        if denied is not None:
            return denied
        _, problem = self._found(guid)
        if problem is not None:
            return problem
        with self._lock:
            self._tasks.pop(guid, None)
        return ok({})
