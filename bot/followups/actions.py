"""Improvement action items: created with owners and a due date, updated until done or dropped,
reminded on the due date and escalated when overdue (by the same sweep as playbook steps)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.core.args import row_id
from bot.followups.models import ActionItem
from bot.incidents.models import Incident


def create(
    incident: Incident,
    *,
    session: Session,
    text: str,
    owners: list[str],
    due: date | None,
    by: str,
    at: datetime,
) -> ActionItem:
    item = ActionItem(
        chat_id=incident.chat_id,
        incident_id=incident.id,
        text=text,
        owners=json.dumps(owners),
        due=due,
        created_by=by,
        created_at=at,
    )
    session.add(item)
    session.flush()
    return item


def owners_of(item: ActionItem) -> list[str]:
    return json.loads(item.owners or "[]")


def find(chat_id: str, item_id: int | str | None, *, session: Session) -> ActionItem | None:
    """The group's item with that number (None for another group's item, or not a number)."""
    number = row_id(item_id)
    item = session.get(ActionItem, number) if number is not None else None
    return item if item is not None and item.chat_id == chat_id else None


def open_items(chat_id: str, *, session: Session) -> list[ActionItem]:
    stmt = (
        select(ActionItem)
        .where(ActionItem.chat_id == chat_id, ActionItem.status == "open")
        .order_by(ActionItem.due.is_(None), ActionItem.due, ActionItem.id)
    )
    return list(session.exec(stmt))


def for_incident(incident_id: int, *, session: Session) -> list[ActionItem]:
    stmt = select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(ActionItem.id)
    return list(session.exec(stmt))


def update(
    item: ActionItem, *, session: Session, verb: str, reason: str, at: datetime, new_due: date | None = None
) -> ActionItem:
    """done | drop | defer (to `new_due`, or a week later)."""
    if verb == "done":
        item.status = "done"
    elif verb == "drop":
        item.status = "dropped"
    elif verb == "defer":
        item.due = new_due or ((item.due or at.date()) + timedelta(days=7))
    else:
        raise ValueError(verb)
    item.reason, item.updated_at = reason, at
    session.add(item)
    session.flush()
    return item


def suggestions(optimization: list[dict], *, limit: int = 3) -> list[dict]:
    """The recommendations worth a button on the retro card: answers to this incident's losses first, then the
    standing ones, leaving out those the team already has an item for."""
    open_recs = [item for item in optimization if item["id"] and not item["actions"]]
    open_recs.sort(key=lambda item: item["source"] != "loss")
    return open_recs[:limit]


def as_retro(item: ActionItem, names: Mapping[str, str] | None = None) -> dict:
    """The retro JSON shape of an action item (contract); `owner_names` in the owners' order, an id whose name is
    unknown shown as the id."""
    owners = owners_of(item)
    return {
        "text": item.text,
        "owners": owners,
        "owner_names": [(names or {}).get(owner, owner) for owner in owners],
        "due": item.due.isoformat() if item.due else None,
        "status": item.status,
    }
