"""The fake Open API's Tasks endpoints (task v2: tasks, task lists), with Feishu's request/response shapes and error
codes."""

from __future__ import annotations

from tests.fakes.feishu_im import ImEndpoints


class TaskEndpoints(ImEndpoints):
    """Task v2 tasks and task lists."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__(app_id, app_secret)
