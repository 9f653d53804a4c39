"""Action items as Feishu Tasks (FEISHU_TASKS=on), through the signed webhook, the real lark-oapi client and the fake
Open API's task v2 endpoints: each item becomes one task (assignees, due date, in the group's task list) however
often its event is delivered and across a restart; completion syncs both ways; Feishu Tasks alone reminds on the
due day; a missing scope or permission is one Chinese line in the group and changes nothing else."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from bot.core import db
from bot.feishu.scopes import TASKS
from bot.feishu.tasks import FeishuTaskMirror
from bot.followups.models import ActionItem, ItemTask
from bot.followups.task_mirror import MirrorDenied, MirrorError, TaskGone, TaskSpec
from bot.followups.task_sync import PULL_EVERY
from tests.fakes.feishu_webhook import message_event
from tests.feishu_group import FeishuGroup
from tests.support import SH, T0, VERIFICATION_TOKEN, Clock, serve, wait_until

CHAT = "oc_tasks"
DUE = date(2026, 12, 15)
TASK_SCOPES = {"task:task:write", "task:task:writeonly", "task:tasklist:write", "task:tasklist:writeonly"}


@contextmanager
def running(db_url, fake, clock, **settings):
    group = FeishuGroup(db_url, fake, clock, chat_id=CHAT, feishu_tasks=True, **settings)
    with serve(group.app) as url:
        group.url = url
        yield group


@pytest.fixture
def group(db_url, fake_feishu):
    with running(db_url, fake_feishu, Clock(T0)) as made:
        made.assign_everyone()
        made.say("ou_ceo", "/危机 开启 面霜过敏笔记")
        yield made


def items(db_url: str) -> list[ActionItem]:
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        found = list(session.exec(select(ActionItem).order_by(ActionItem.id)).all())
    engine.dispose()
    return found


def mirror_of(db_url: str, item_id: int) -> ItemTask | None:
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        row = session.get(ItemTask, item_id)
    engine.dispose()
    return row


def add_item(group: FeishuGroup, text: str, owner=("ou_ops", "王运营"), due: date = DUE) -> ActionItem:
    group.say("ou_ceo", f"/改进 {text} @_user_1 截止={due.isoformat()}", [owner])
    return next(item for item in items(group.db_url) if item.text == text)


def task_of(group: FeishuGroup, item: ActionItem) -> dict:
    assert wait_until(lambda: (mirror_of(group.db_url, item.id) or ItemTask()).task_guid is not None)
    guid = mirror_of(group.db_url, item.id).task_guid
    return next(task for task in group.fake.tasks if task["guid"] == guid)


def all_day(day: date) -> str:
    return str(int(datetime.combine(day, time(0), tzinfo=UTC).timestamp() * 1000))


def pull(group: FeishuGroup) -> None:
    """Let time pass beyond the read-back interval and run the sweep (which wakes the tasks worker)."""
    group.at(group.clock.now + PULL_EVERY + timedelta(seconds=1))


def test_an_item_becomes_one_task_with_assignee_and_due_across_redelivery_and_restart(db_url, fake_feishu):
    clock = Clock(T0)
    with running(db_url, fake_feishu, clock) as group:
        group.assign_everyone()
        group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
        event = message_event(
            event_id="ev_item_1",
            message_id="om_item_1",
            chat_id=CHAT,
            text=f"/改进 店铺首页加质量反馈入口 @_user_1 @_user_2 截止={DUE.isoformat()}",
            sender_open_id="ou_ceo",
            token=VERIFICATION_TOKEN,
            create_time_ms=int(clock.now.timestamp() * 1000),
            mentions=[{"open_id": "ou_ops", "name": "王运营"}, {"open_id": "ou_qa", "name": "陈质检"}],
        )
        assert group.post(event).status_code == 200
        assert group.post(event).status_code == 200  # Feishu redelivers the same event
        assert wait_until(group.idle)
        [item] = items(db_url)
        task = task_of(group, item)
        assert task["summary"] == "店铺首页加质量反馈入口"
        assert [(m["id"], m["role"]) for m in task["members"]] == [("ou_ops", "assignee"), ("ou_qa", "assignee")]
        assert task["due"] == {"timestamp": all_day(DUE), "is_all_day": True}
        assert task["reminders"] and task["reminders"][0]["relative_fire_minute"] == 0  # Feishu reminds at the due
        assert "面霜过敏笔记" in task["description"] and f"#{item.id}" in task["description"]
        [tasklist] = group.fake.tasklists
        assert task["tasklists"][0]["tasklist_guid"] == tasklist["guid"]
        assert {"id": CHAT, "type": "chat", "role": "viewer"} in tasklist["members"]
        second = add_item(group, "每月组织一次危机演练")
        assert task_of(group, second)["tasklists"][0]["tasklist_guid"] == tasklist["guid"]  # one list per group

    # A crash after Feishu made the task but before its id was kept: the restarted bot creates it again with the
    # same client token and gets the same task back.
    engine = db.make_engine(db_url)
    with Session(engine) as session:
        row = session.get(ItemTask, item.id)
        row.task_guid, row.state = None, "pending"
        session.add(row)
        session.commit()
    engine.dispose()
    creates_before = len(fake_feishu.calls_to("/open-apis/task/v2/tasks", "POST"))
    with running(db_url, fake_feishu, clock) as group:
        assert group.post(event).status_code == 200  # and the event once more, after the restart
        assert wait_until(lambda: len(fake_feishu.calls_to("/open-apis/task/v2/tasks", "POST")) > creates_before)
        assert wait_until(lambda: mirror_of(db_url, item.id).task_guid == task["guid"])
        assert wait_until(group.idle)
    assert len(items(db_url)) == 2
    assert len(fake_feishu.tasks) == 2 and len(fake_feishu.tasklists) == 1
    tokens = [c.json["client_token"] for c in fake_feishu.calls_to("/open-apis/task/v2/tasks", "POST")]
    assert len(set(tokens)) == 2  # one token per item, the same on every try


def test_a_task_completed_in_feishu_completes_the_item(group):
    item = add_item(group, "店铺首页加质量反馈入口")
    task = task_of(group, item)
    pull(group)
    assert items(group.db_url)[0].status == "open"  # read back, still open
    group.fake.complete_task(task["guid"])
    pull(group)
    assert wait_until(lambda: items(group.db_url)[0].status == "done")
    assert wait_until(lambda: any(f"#{item.id}已完成" in t for t in group.texts()))
    pull(group)
    assert sum(f"#{item.id}已完成" in t for t in group.texts()) == 1
    assert group.fake.calls_to("/open-apis/task/v2/tasks/", "PATCH") == []  # nothing pushed back to Feishu


def test_done_in_the_chat_completes_the_task_and_a_deferral_moves_its_due(group):
    first = add_item(group, "店铺首页加质量反馈入口")
    second = add_item(group, "每月组织一次危机演练")
    first_task, second_task = task_of(group, first), task_of(group, second)
    group.say("ou_ops", f"/改进 完成 {first.id}")
    assert wait_until(lambda: next(t for t in group.fake.tasks if t["guid"] == first_task["guid"])["status"] == "done")
    [patch] = group.fake.calls_to(f"/open-apis/task/v2/tasks/{first_task['guid']}", "PATCH")
    assert patch.json["update_fields"] == ["completed_at"]
    group.say("ou_ceo", f"/改进 延期 {second.id} 截止=2026-12-20")
    moved = all_day(date(2026, 12, 20))
    assert wait_until(
        lambda: next(t for t in group.fake.tasks if t["guid"] == second_task["guid"])["due"]["timestamp"] == moved
    )
    assert next(t for t in group.fake.tasks if t["guid"] == second_task["guid"])["status"] == "todo"


def test_a_dropped_item_deletes_its_task(group):
    item = add_item(group, "店铺首页加质量反馈入口")
    task = task_of(group, item)
    group.say("ou_ops", f"/改进 取消 {item.id} 方案调整")
    assert wait_until(lambda: all(t["guid"] != task["guid"] for t in group.fake.tasks))
    assert items(group.db_url)[0].status == "dropped"


def test_a_task_deleted_in_feishu_leaves_the_reminders_to_the_bot(group):
    item = add_item(group, "店铺首页加质量反馈入口")
    task = task_of(group, item)
    group.fake.delete_task(task["guid"])
    pull(group)
    assert wait_until(lambda: mirror_of(group.db_url, item.id).state == "gone")
    assert items(group.db_url)[0].status == "open"
    group.at(datetime.combine(DUE, time(10, 1), tzinfo=SH))
    assert any(f"#{item.id} 今天到期" in t for t in group.texts())


def test_feishu_tasks_reminds_on_the_due_day_and_the_bot_only_escalates_after(group):
    item = add_item(group, "店铺首页加质量反馈入口")
    task_of(group, item)
    group.at(datetime.combine(DUE, time(10, 1), tzinfo=SH))
    assert not any(f"#{item.id} 今天到期" in t for t in group.texts())
    group.at(datetime.combine(DUE + timedelta(days=1), time(10, 1), tzinfo=SH))
    overdue = [t for t in group.texts() if f"#{item.id} 已过截止日" in t]
    assert len(overdue) == 1 and "ou_ceo" in overdue[0]  # the lead is still told


def test_a_missing_scope_is_one_chinese_line_and_changes_nothing_else(group, caplog):
    caplog.set_level(logging.WARNING, logger="bot.followups.task_sync")
    group.fake.task_scopes_missing |= TASK_SCOPES
    item = add_item(group, "店铺首页加质量反馈入口")
    assert wait_until(lambda: any("99991672" in t for t in group.texts()))
    [line] = [t for t in group.texts() if "99991672" in t]
    assert f"#{item.id}" in line and "权限" in line and "\n" not in line
    assert all(scope in line for scope in TASKS.scopes)  # the scopes to grant, as `crisisbot check` lists them
    assert any("99991672" in r.getMessage() for r in caplog.records)
    assert group.fake.tasks == [] and group.fake.tasklists == []
    [now] = items(group.db_url)
    assert (now.status, now.due, now.text) == ("open", DUE, item.text)
    group.at(group.clock.now + timedelta(minutes=30))  # retried later, silently
    assert sum("99991672" in t for t in group.texts()) == 1
    group.at(datetime.combine(DUE, time(10, 1), tzinfo=SH))
    assert any(f"#{item.id} 今天到期" in t for t in group.texts())  # not mirrored: the bot reminds as before

    group.fake.task_scopes_missing.clear()  # an admin grants the scopes: the item is mirrored at the next try
    group.at(group.clock.now + timedelta(hours=2))
    assert task_of(group, item)["summary"] == item.text
    assert sum("99991672" in t for t in group.texts()) == 1


def test_no_permission_on_the_task_when_completing_is_one_line_and_the_item_stays_done(group, caplog):
    caplog.set_level(logging.WARNING, logger="bot.followups.task_sync")
    item = add_item(group, "店铺首页加质量反馈入口")
    task = task_of(group, item)
    group.fake.task_forbidden.add(task["guid"])
    group.say("ou_ops", f"/改进 完成 {item.id}")
    assert wait_until(lambda: any("1470403" in t for t in group.texts()))
    [line] = [t for t in group.texts() if "1470403" in t]
    assert f"#{item.id}" in line and "完成" in line
    assert any("1470403" in r.getMessage() for r in caplog.records)
    assert items(group.db_url)[0].status == "done"
    assert next(t for t in group.fake.tasks if t["guid"] == task["guid"])["status"] == "todo"


def test_a_rate_limited_create_is_retried_and_makes_one_task(group):
    group.fake.fail_with_code(1, 99991400, path_prefix="/open-apis/task/v2/tasks")
    item = add_item(group, "店铺首页加质量反馈入口")
    assert wait_until(lambda: len(group.fake.calls_to("/open-apis/task/v2/tasks", "POST")) == 1)
    assert wait_until(lambda: mirror_of(group.db_url, item.id).attempts == 1)
    assert group.fake.tasks == []
    group.at(group.clock.now + timedelta(minutes=1))
    assert task_of(group, item)["summary"] == item.text
    assert len(group.fake.tasks) == 1
    assert not any("权限" in t for t in group.texts())


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        (99991672, MirrorDenied, False),  # the app lacks the scope
        (99991679, MirrorDenied, False),  # a user has not granted it
        (1470403, MirrorDenied, False),  # no permission on the task or list
        (1470404, TaskGone, False),
        (99991400, MirrorError, True),  # HTTP 429
        (1470400, MirrorError, False),  # a bad request is not tried at once again
    ],
)
def test_feishu_errors_are_told_apart(fake_feishu, code, kind, retryable):
    mirror = FeishuTaskMirror(fake_feishu.lark_client(), fake_feishu.app_id)
    spec = TaskSpec("token-1", "店铺首页加质量反馈入口", "", ("ou_ops",), DUE, "")
    guid = mirror.create(spec)
    assert mirror.create(spec) == guid  # the same client token: the same task
    fake_feishu.fail_with_code(1, code, path_prefix="/open-apis/task/v2/tasks/")
    with pytest.raises(MirrorError) as raised:
        mirror.complete(guid, datetime.now(UTC))
    assert type(raised.value) is kind and raised.value.code == code and raised.value.retryable is retryable
    if code == 99991400:
        assert raised.value.retry_after >= 1
    assert mirror.completed_at(guid) is None  # nothing changed
    mirror.complete(guid, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert mirror.completed_at(guid) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_items_of_a_drill_are_not_mirrored(db_url, fake_feishu):
    with running(db_url, fake_feishu, Clock(T0)) as group:
        group.assign_everyone()
        group.say("ou_ceo", "/演练 开始 产品瑕疵 速度=10")
        drill_item = add_item(group, "演练：客服话术再对一遍")
        group.say("ou_ceo", "/演练 结束")
        group.say("ou_ceo", "/危机 开启 面霜过敏笔记")
        real_item = add_item(group, "店铺首页加质量反馈入口")
        assert task_of(group, real_item)["summary"] == real_item.text  # the worker has looked at both
        assert mirror_of(db_url, drill_item.id) is None
        assert [t["summary"] for t in fake_feishu.tasks] == [real_item.text]


def test_a_task_list_deleted_in_feishu_is_replaced_at_the_next_item(group):
    first = add_item(group, "店铺首页加质量反馈入口")
    old_list = task_of(group, first)["tasklists"][0]["tasklist_guid"]
    group.fake.delete_tasklist(old_list)
    second = add_item(group, "每月组织一次危机演练")
    assert wait_until(lambda: mirror_of(group.db_url, second.id).attempts == 1)  # refused: the list is gone
    group.at(group.clock.now + timedelta(minutes=1))  # tried again (backed off) with a new list
    assert wait_until(lambda: len(group.fake.tasklists) == 1)
    [new_list] = group.fake.tasklists
    assert new_list["guid"] != old_list
    assert task_of(group, second)["tasklists"][0]["tasklist_guid"] == new_list["guid"]
    assert not any("权限" in t for t in group.texts())
