"""Drafting across domains: recording the team's remedy on the incident (with its timeline entry and a
check that it is concrete), and the draft a card button points at."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.wording import environment
from bot.drafting.drafts import get_draft
from bot.drafting.lint import lint
from bot.drafting.models import Draft
from bot.incidents import service as incident_service
from bot.incidents.models import Incident
from bot.timeline import service as timeline_service


def record_remedy(
    session: Session, incident: Incident, remedy: str, *, at: datetime, by: str, by_name: str, message_id: str
) -> bool:
    """Keep the remedy the team decided (drafts use it) and log the decision; True when it is concrete
    (a time limit, an amount or a channel: the lint finds no `no_remedy`)."""
    incident_service.set_remedy(session, incident, remedy)
    timeline_service.add(
        session,
        incident,
        at=at,
        kind="decision",
        text=environment().get_template("drafting/timeline_remedy.j2").render(remedy=remedy).strip(),
        author_id=by,
        author_name=by_name,
        message_id=message_id,
        source="command",
    )
    return "no_remedy" not in lint(remedy, "cs").codes


def pressed_draft(session: Session, draft_id: int, *, chat_id: str) -> tuple[Draft, Incident] | None:
    """The draft a card button points at and its incident, when both exist in this chat."""
    draft = get_draft(session, draft_id)
    incident = incident_service.get(session, draft.incident_id) if draft else None
    if draft is None or incident is None or incident.chat_id != chat_id:
        return None
    return draft, incident
