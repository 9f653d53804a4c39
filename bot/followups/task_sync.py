"""Action items mirrored as tasks in the chat platform's task app (Feishu Tasks, FEISHU_TASKS=on), through the
neutral `bot.followups.task_mirror.TaskMirror` (the Feishu calls are in `bot.feishu.tasks`).

- Off the webhook's ack path: a worker (`Runtime.tasks_worker`) runs `sync_due` after every processed batch of
  events and on every sweep. The state is in the DB (`item_task`, `chat_tasklist`), so a restart continues where
  the last run stopped; a failed call is retried with backoff.
- Exactly once: an item's task is created with a client token derived from the group and the item number
  (uuid5) and its id is recorded. A redelivered event makes no second item; a create retried after a crash (the
  task made, its id not yet recorded) gets the same task back from the task app. Items of drills are not
  mirrored (practice, not work).
- Both ways: an item completed in the bot (/改进 完成, the 完成 button) completes its task (completed_at);
  deferred → the task's due date moves; dropped → the task is deleted. A task completed in the task app completes
  its item, and the group is told as when the item is completed in the chat.
- Why a periodic read and not task events: each open mirrored item's task is read back (GET) at most every
  PULL_EVERY. Task update events (`task.task.update_tenant_v1`) need their own subscription in the developer
  console, carry no task state (the task must be read anyway), and a change made while the subscription is
  missing or the bot is down is never sent again; the periodic read needs only the read scope, heals after any
  downtime, and costs one GET per open mirrored item per PULL_EVERY (a group has a handful).
- One source of reminders: an item whose task carries its due date is reminded by Feishu Tasks (the task has a
  reminder at its due), so the bot sends no due-day reminder of its own for it; the bot keeps its overdue notice
  the next morning to the owners and the lead (the escalation the task app does not make). An item not mirrored
  (feature off, not yet created, refused) is reminded by the bot as before (`reminded_there`).
- A missing scope or permission: one Chinese line in the group for that item and operation and a warning in the
  log with the code; nothing else changes (the item stays as it is, so the bot keeps reminding it) and the call
  is tried again hourly, silently, until an admin grants it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock.format import format_local
from bot.config import Settings
from bot.core import outbox
from bot.core.messages import Outbound
from bot.core.wording import render, say
from bot.followups import actions
from bot.followups.models import ActionItem, ChatTasklist, ItemTask
from bot.followups.task_mirror import ListSpec, MirrorDenied, MirrorError, TaskGone, TaskMirror, TaskSpec
from bot.incidents.models import Incident
from bot.library.recommendations import load as load_recommendations

log = logging.getLogger(__name__)

PULL_EVERY = timedelta(minutes=5)  # how often an open mirrored item's task is read back
DENIED_RETRY = timedelta(hours=1)  # a refused call is tried again this much later (silently)
RETRY_CAP = timedelta(hours=1)
MAX_FAILURES = 24  # other refusals (bad request …): given up after this many, logged each time
SUMMARY_MAX, DESCRIPTION_MAX = 256, 3000
ACTIVE = ("pending", "linked")
_NAMESPACE = uuid.UUID("0b8f8f52-2f1e-4d55-9d0c-3f3f6a2b7a14")


def client_token(chat_id: str, item_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"item:{chat_id}:{item_id}"))


def list_token(chat_id: str, replaced: int = 0) -> str:
    """The group's task list token; a list deleted in the task app is replaced by one with the next token."""
    return str(uuid.uuid5(_NAMESPACE, f"tasklist:{chat_id}" + (f":{replaced}" if replaced else "")))


def reminded_there(session: Session) -> set[int]:
    """Ids of open items whose task carries their current due date: the task app reminds them on the due day."""
    stmt = (
        select(ActionItem.id)
        .join(ItemTask, ItemTask.item_id == ActionItem.id)
        .where(
            ActionItem.status == "open",
            ItemTask.state == "linked",
            ItemTask.task_guid.is_not(None),
            ItemTask.due_synced == ActionItem.due,
        )
    )
    return set(session.exec(stmt))


def adopt(session: Session, now: datetime) -> int:
    """Give every open item of a real incident that has no mirror yet its row (and its token)."""
    stmt = (
        select(ActionItem.id, ActionItem.chat_id)
        .join(Incident, Incident.id == ActionItem.incident_id)
        .outerjoin(ItemTask, ItemTask.item_id == ActionItem.id)
        .where(ActionItem.status == "open", Incident.is_drill.is_(False), ItemTask.item_id.is_(None))
    )
    found = session.exec(stmt).all()
    for item_id, chat_id in found:
        session.add(
            ItemTask(item_id=item_id, chat_id=chat_id, client_token=client_token(chat_id, item_id), next_try_at=now)
        )
    return len(found)


@dataclass(frozen=True)
class Work:
    """One call to make for an item, with what it needs captured (no session is held during the call)."""

    item_id: int
    chat_id: str
    op: str  # create | complete | remove | due | pull | close
    task_guid: str | None = None
    due: date | None = None
    done_at: datetime | None = None
    spec: TaskSpec | None = None
    list_spec: ListSpec | None = None


def _op(row: ItemTask, item: ActionItem | None, now: datetime) -> str | None:
    if item is None:
        return "close"
    if row.task_guid is None:
        return "create" if item.status == "open" else "close"
    if item.status == "done":
        return "complete"
    if item.status == "dropped":
        return "remove"
    if item.due != row.due_synced:
        return "due"
    if row.synced_at is None or now - row.synced_at >= PULL_EVERY:
        return "pull"
    return None


def sync_due(engine: Engine, mirror: TaskMirror, settings: Settings, *, now: datetime) -> float | None:
    """Make every due call; returns the seconds until the next one is due (None: nothing waits)."""
    with Session(engine) as session:
        if adopt(session, now):
            session.commit()
        rows = session.exec(
            select(ItemTask, ActionItem)
            .outerjoin(ActionItem, ActionItem.id == ItemTask.item_id)
            .where(ItemTask.state.in_(ACTIVE))
            .order_by(ItemTask.item_id)
        ).all()
        plans = [(row.item_id, row.next_try_at, _op(row, item, now), row.synced_at) for row, item in rows]
    wait: float | None = None
    for item_id, next_try_at, op, synced_at in plans:
        if next_try_at > now:
            wait = _sooner(wait, (next_try_at - now).total_seconds())
            continue
        if op is not None:
            _sync_one(engine, mirror, settings, item_id, now=now)
            wait = _sooner(wait, PULL_EVERY.total_seconds())
        elif synced_at is not None:
            wait = _sooner(wait, (synced_at + PULL_EVERY - now).total_seconds())
    return wait


def _sooner(wait: float | None, seconds: float) -> float:
    return seconds if wait is None else min(wait, seconds)


def _sync_one(engine: Engine, mirror: TaskMirror, settings: Settings, item_id: int, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(ItemTask, item_id)
        item = session.get(ActionItem, item_id)
        op = _op(row, item, now) if row is not None and row.state in ACTIVE else None
        if op is None:
            return
        work = Work(item_id, row.chat_id, op, task_guid=row.task_guid, due=item.due if item else None)
        if op == "complete":
            work = Work(item_id, row.chat_id, op, task_guid=row.task_guid, done_at=item.updated_at or now)
        elif op == "create":
            work = _creation(session, settings, row, item)
    try:
        result = _call(engine, mirror, work)
    except MirrorDenied as denied:
        _refused(engine, work, denied, now=now)
    except TaskGone as gone:
        if op == "create":  # the group's task list was deleted in the task app: a new one next time
            log.warning(
                "feishu tasks: the task list of %s is gone (code %s); making a new one", work.chat_id, gone.code
            )
            _forget_list(engine, work.chat_id)
            _failed(engine, work, MirrorError(str(gone), code=gone.code, retryable=True), now=now)  # backed off
            return
        log.warning("feishu tasks: the task of action item %s is gone (code %s): %s", item_id, gone.code, gone)
        _finish(engine, work, "closed" if op == "remove" else "gone", now=now)
    except MirrorError as exc:
        _failed(engine, work, exc, now=now)
    else:
        _record(engine, work, result, now=now)


def _creation(session: Session, settings: Settings, row: ItemTask, item: ActionItem) -> Work:
    incident = session.get(Incident, item.incident_id)
    recommendation = next(
        (
            rec
            for rec in load_recommendations(settings.playbook_dir)["recommendations"].values()
            if rec.get("title") == item.text
        ),
        None,
    )
    description = render(
        "followups/task_description",
        item=item,
        incident=incident,
        recommendation=recommendation,
        started=format_local(incident.started_at, settings.tz),
    )
    tasklist = session.get(ChatTasklist, item.chat_id)
    list_spec = None
    if tasklist is None or not tasklist.tasklist_guid:
        list_spec = ListSpec(
            token=list_token(item.chat_id, tasklist.replaced if tasklist else 0),
            name=render("followups/tasklist_name", incident=incident),
            chat_id=item.chat_id,
        )
    spec = TaskSpec(
        token=row.client_token,
        summary=item.text[:SUMMARY_MAX],
        description=description[:DESCRIPTION_MAX],
        assignees=tuple(actions.owners_of(item)),
        due=item.due,
        tasklist=tasklist.tasklist_guid if tasklist else "",  # "" until the list is made (in `_call`)
    )
    return Work(item.id, item.chat_id, "create", due=item.due, spec=spec, list_spec=list_spec)


def _call(engine: Engine, mirror: TaskMirror, work: Work) -> object:
    if work.op == "create":
        spec = work.spec
        if work.list_spec is not None:
            tasklist = mirror.create_list(work.list_spec)
            with Session(engine) as session:  # kept at once: the next item of the group goes into the same list
                row = session.get(ChatTasklist, work.chat_id) or ChatTasklist(chat_id=work.chat_id)
                row.tasklist_guid = tasklist
                session.add(row)
                session.commit()
            spec = TaskSpec(**{**spec.__dict__, "tasklist": tasklist})
        return mirror.create(spec)
    if work.op == "complete":
        return mirror.complete(work.task_guid, work.done_at)
    if work.op == "remove":
        return mirror.remove(work.task_guid)
    if work.op == "due":
        return mirror.set_due(work.task_guid, work.due)
    if work.op == "pull":
        return mirror.completed_at(work.task_guid)
    return None  # close: nothing to call


def _record(engine: Engine, work: Work, result: object, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(ItemTask, work.item_id)
        row.attempts, row.denied_code, row.last_error = 0, 0, ""
        if work.op == "create":
            row.task_guid, row.state, row.due_synced, row.synced_at = str(result), "linked", work.due, now
            log.info("feishu tasks: action item %s mirrored as task %s", work.item_id, result)
        elif work.op in ("complete", "remove", "close"):
            row.state = "closed"
        elif work.op == "due":
            row.due_synced = work.due
        elif work.op == "pull":
            row.synced_at = now
            item = session.get(ActionItem, work.item_id)
            if isinstance(result, datetime) and item is not None and item.status == "open":
                _completed_there(session, item, row, at=result)
        session.add(row)
        session.commit()


def _completed_there(session: Session, item: ActionItem, row: ItemTask, *, at: datetime) -> None:
    """The task was completed in the task app: the item is done, and the group hears it as from the chat."""
    actions.update(item, session=session, verb="done", reason="", at=at)
    row.state = "closed"
    message = Outbound(chat_id=item.chat_id, text=say("action_updated", item=item, verb="done"))
    outbox.enqueue(session, [message], key=f"task_completed:{item.id}")
    log.info("feishu tasks: action item %s completed in Feishu Tasks (task %s)", item.id, row.task_guid)


def _finish(engine: Engine, work: Work, state: str, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(ItemTask, work.item_id)
        row.state, row.synced_at = state, now
        session.add(row)
        session.commit()


def _forget_list(engine: Engine, chat_id: str) -> None:
    with Session(engine) as session:
        tasklist = session.get(ChatTasklist, chat_id)
        if tasklist is not None:
            tasklist.tasklist_guid, tasklist.replaced = "", tasklist.replaced + 1
            session.add(tasklist)
            session.commit()


def _refused(engine: Engine, work: Work, denied: MirrorDenied, *, now: datetime) -> None:
    """A missing scope or permission: logged with the code, told to the group once for this item and call, tried
    again later; nothing else changes."""
    log.warning(
        "feishu tasks: %s of action item %s refused, code %s (%s): %s",
        work.op,
        work.item_id,
        denied.code,
        "scope missing" if denied.scope_missing else "no permission",
        denied,
    )
    with Session(engine) as session:
        row = session.get(ItemTask, work.item_id)
        item = session.get(ActionItem, work.item_id)
        row.next_try_at, row.last_error = now + DENIED_RETRY, str(denied)[-2000:]
        if row.denied_code != denied.code and item is not None:
            row.denied_code = denied.code
            text = say(
                "action_task_refused",
                item=item,
                op=work.op,
                code=denied.code,
                scope=denied.scope_missing,
                needs=denied.needs,
            )
            outbox.enqueue(
                session,
                [Outbound(chat_id=item.chat_id, text=text)],
                key=f"task_refused:{work.item_id}:{work.op}:{denied.code}:{now.isoformat()}",
            )
        session.add(row)
        session.commit()


def _failed(engine: Engine, work: Work, exc: MirrorError, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(ItemTask, work.item_id)
        row.attempts += 1
        row.last_error = str(exc)[-2000:]
        if exc.retryable:
            delay = max(timedelta(seconds=min(RETRY_CAP.total_seconds(), 5 * 2**row.attempts)), _after(exc))
            row.next_try_at = now + delay
            log.warning(
                "feishu tasks: %s of action item %s failed (code %s), again in %s: %s",
                work.op,
                work.item_id,
                exc.code,
                delay,
                exc,
            )
        elif row.attempts >= MAX_FAILURES:
            row.state = "failed"
            log.error(
                "feishu tasks: %s of action item %s refused (code %s), giving up: %s",
                work.op,
                work.item_id,
                exc.code,
                exc,
            )
        else:
            row.next_try_at = now + RETRY_CAP
            log.error("feishu tasks: %s of action item %s refused (code %s): %s", work.op, work.item_id, exc.code, exc)
        session.add(row)
        session.commit()


def _after(exc: MirrorError) -> timedelta:
    return timedelta(seconds=exc.retry_after or 0)
