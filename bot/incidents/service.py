"""Incident records: open, find the incident a message belongs to, set its remedy, close."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.core.models import OutboxMessage
from bot.incidents.models import Incident


def card_ref(incident_id: int) -> str:
    """The outbox ref of an incident's opening card (threads under it belong to the incident)."""
    return f"incident:{incident_id}:card"


def open_incidents(session: Session, chat_id: str) -> list[Incident]:
    stmt = (
        select(Incident)
        .where(Incident.chat_id == chat_id, Incident.status == "open")
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
    )
    return list(session.exec(stmt))


def latest(session: Session, chat_id: str) -> Incident | None:
    stmt = select(Incident).where(Incident.chat_id == chat_id).order_by(Incident.id.desc()).limit(1)
    return session.exec(stmt).first()


def get(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def for_message(session: Session, chat_id: str, *, root_id: str = "") -> Incident | None:
    """The incident a message in `chat_id` belongs to: the one whose opening card is the root
    of the message's thread, else the most recently opened open incident of the chat."""
    if root_id:
        ref = session.exec(
            select(OutboxMessage.ref).where(OutboxMessage.sent_message_id == root_id, OutboxMessage.ref.is_not(None))
        ).first()
        parts = (ref or "").split(":")
        if len(parts) == 3 and parts[0] == "incident" and parts[2] == "card" and parts[1].isdigit():
            threaded = session.get(Incident, int(parts[1]))
            if threaded is not None and threaded.status == "open":
                return threaded
    found = open_incidents(session, chat_id)
    return found[0] if found else None


def shown(session: Session, chat_id: str, *, root_id: str = "") -> Incident | None:
    """The incident /状态 and /复盘 are about: the message's incident, else the chat's latest (even closed)."""
    return for_message(session, chat_id, root_id=root_id) or latest(session, chat_id)


def set_remedy(session: Session, incident: Incident, remedy: str) -> Incident:
    incident.remedy = remedy
    session.add(incident)
    return incident


def open_incident(
    session: Session,
    *,
    chat_id: str,
    title: str,
    playbook: str,
    playbook_reason: str,
    level: int,
    started_at: datetime,
    opened_at: datetime,
    opened_by: str,
    open_message_id: str,
    is_drill: bool = False,
    remedy: str | None = None,
) -> Incident:
    incident = Incident(
        chat_id=chat_id,
        title=title,
        playbook=playbook,
        playbook_reason=playbook_reason,
        level=level,
        started_at=started_at,
        opened_at=opened_at,
        opened_by=opened_by,
        open_message_id=open_message_id,
        is_drill=is_drill,
        remedy=remedy,
    )
    session.add(incident)
    session.flush()
    return incident


def close(session: Session, incident: Incident, *, at: datetime) -> Incident:
    incident.status = "closed"
    incident.closed_at = at
    session.add(incident)
    session.flush()
    return incident


def sent_message_of(session: Session, ref: str) -> str | None:
    """The transport message id of the latest sent message with this ref (e.g. a role card)."""
    stmt = (
        select(OutboxMessage.sent_message_id)
        .where(OutboxMessage.ref == ref, OutboxMessage.sent_message_id.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def listed(session: Session, chat_id: str | None = None) -> list[Incident]:
    """Every incident (of one chat when given), newest first: what `crisisbot incidents` shows."""
    stmt = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc())
    if chat_id is not None:
        stmt = stmt.where(Incident.chat_id == chat_id)
    return list(session.exec(stmt))
