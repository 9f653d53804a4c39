"""Improvement action items: created with owners and a due date, updated until done or dropped,
reminded on the due date and escalated when overdue (by the same sweep as playbook steps)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.followups.models import ActionItem
from bot.incidents.models import Incident


def create(
    session: Session, incident: Incident, *, text: str, owners: list[str], due: date | None, by: str, at: datetime
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


def open_items(session: Session, chat_id: str) -> list[ActionItem]:
    stmt = (
        select(ActionItem)
        .where(ActionItem.chat_id == chat_id, ActionItem.status == "open")
        .order_by(ActionItem.due.is_(None), ActionItem.due, ActionItem.id)
    )
    return list(session.exec(stmt))


def for_incident(session: Session, incident_id: int) -> list[ActionItem]:
    stmt = select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(ActionItem.id)
    return list(session.exec(stmt))


def update(
    session: Session, item: ActionItem, *, verb: str, reason: str, at: datetime, new_due: date | None = None
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


def as_retro(item: ActionItem) -> dict:
    """The retro JSON shape of an action item (contract)."""
    return {
        "text": item.text,
        "owners": owners_of(item),
        "due": item.due.isoformat() if item.due else None,
        "status": item.status,
    }
