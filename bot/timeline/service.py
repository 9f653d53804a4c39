"""The incident timeline: entries at event time, deduplicated on the message they came from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from bot.incidents.models import Incident
from bot.timeline.classify import Link
from bot.timeline.models import TimelineEntry

KINDS = ("detection", "spread", "metric", "action", "statement", "decision", "note", "system")


def add(
    session: Session,
    incident: Incident,
    *,
    at: datetime,
    kind: str,
    text: str,
    author_id: str = "",
    author_name: str = "",
    message_id: str | None = None,
    source: str = "message",
    subkind: str | None = None,
    links: Sequence[Link] = (),
    pinned: bool = False,
) -> TimelineEntry | None:
    """Add an entry; None when this message is already in the incident's timeline."""
    if kind not in KINDS:
        raise ValueError(f"unknown timeline kind {kind!r}")
    if message_id and by_message(session, incident.id, message_id) is not None:
        return None
    entry = TimelineEntry(
        incident_id=incident.id,
        at=at,
        kind=kind,
        subkind=subkind,
        text=text,
        author_id=author_id,
        author_name=author_name,
        message_id=message_id,
        source=source,
        links=json.dumps([link.__dict__ for link in links], ensure_ascii=False) if links else None,
        pinned=pinned,
    )
    session.add(entry)
    session.flush()
    return entry


def by_message(session: Session, incident_id: int, message_id: str) -> TimelineEntry | None:
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id, TimelineEntry.message_id == message_id)
    return session.exec(stmt).first()


def entries(session: Session, incident_id: int) -> list[TimelineEntry]:
    stmt = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list(session.exec(stmt))


def mark_recalled(session: Session, message_id: str) -> int:
    """Recalled messages stay in the timeline, marked (the team saw them)."""
    rows = session.exec(select(TimelineEntry).where(TimelineEntry.message_id == message_id)).all()
    for row in rows:
        row.recalled = True
        session.add(row)
    return len(rows)


def pin(session: Session, entry: TimelineEntry) -> TimelineEntry:
    """Mark an entry as pinned by the team (a pin reaction on its message)."""
    entry.pinned = True
    session.add(entry)
    return entry
