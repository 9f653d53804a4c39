"""Evidence: images and files posted in the group are downloaded and kept with their sha256 and
capture time (the Xiaohongshu post may be deleted later). Downloads run in their own worker
with retries, outside event processing."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.messages import Inbound
from bot.core.messenger import ChatReader
from bot.incidents.models import Incident
from bot.timeline.models import Evidence, TimelineEntry

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def queue(session: Session, incident: Incident, entry: TimelineEntry, message: Inbound) -> list[Evidence]:
    rows = []
    for attachment in message.attachments:
        if not attachment.key:
            continue
        exists = session.exec(
            select(Evidence.id).where(
                Evidence.message_id == message.message_id, Evidence.resource_key == attachment.key
            )
        ).first()
        if exists is not None:
            continue
        row = Evidence(
            incident_id=incident.id,
            entry_id=entry.id,
            message_id=message.message_id,
            resource_key=attachment.key,
            kind=attachment.kind,
            name=attachment.name,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def fetch_due(engine: Engine, reader: ChatReader, *, now: datetime, limit: int = 20) -> float | None:
    """Download pending evidence; returns seconds until the next retry is due (None: nothing)."""
    with Session(engine) as session:
        due = session.exec(
            select(Evidence).where(Evidence.status == "pending").order_by(Evidence.next_attempt_at).limit(limit)
        ).all()
    wait: float | None = None
    for row in due:
        if row.next_attempt_at > now:
            seconds = (row.next_attempt_at - now).total_seconds()
            wait = seconds if wait is None else min(wait, seconds)
            continue
        _fetch_one(engine, reader, row.id, now=now)
    return wait


def _fetch_one(engine: Engine, reader: ChatReader, evidence_id: int, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(Evidence, evidence_id)
        if row is None or row.status != "pending":
            return
        try:
            data = reader.download(row.message_id, row.resource_key, row.kind)
        except Exception as exc:  # network, permissions, message gone: retry with backoff
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[-2000:]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                log.error("evidence %s of message %s not downloadable: %s", row.resource_key, row.message_id, exc)
            else:
                row.next_attempt_at = now + timedelta(seconds=min(3600, 5 * 2**row.attempts))
            session.add(row)
            session.commit()
            return
        row.content = data
        row.size = len(data)
        row.sha256 = hashlib.sha256(data).hexdigest()
        row.captured_at = now
        row.status = "stored"
        session.add(row)
        session.commit()


def for_incident(session: Session, incident_id: int) -> list[Evidence]:
    stmt = select(Evidence).where(Evidence.incident_id == incident_id).order_by(Evidence.id)
    return list(session.exec(stmt))
