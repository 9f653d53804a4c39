"""The sandbox page's side panel: the chat's latest incident as its step board and timeline, read-only JSON the
page polls (on a wide screen it sits beside the chat, the way a pinned doc sits beside a Feishu group)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlmodel import Session

from bot.clock.format import format_local
from bot.core import labels
from bot.core.runtime import Runtime
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.library.playbooks import load as load_playbooks
from bot.sandbox.members import DEFAULT_CHAT
from bot.steps import messaging as step_messaging
from bot.steps import service as step_service
from bot.steps import states
from bot.timeline import service as timeline

TIMELINE_SHOWN = 40  # the latest entries; the report has them all


def board(session: Session, chat_id: str, *, runtime: Runtime) -> dict[str, Any] | None:
    """The latest incident of the chat: title, level, its steps (role, owners, due, state) and latest entries."""
    incident = incidents.latest(session, chat_id)
    if incident is None:
        return None
    settings, now = runtime.settings, runtime.now_fn()
    playbook = load_playbooks(settings.playbook_dir).playbooks.get(incident.playbook)
    closed_at = incident.closed_at if incident.status == "closed" else None
    steps = []
    if playbook is not None:
        rows = step_service.for_incident(session, incident.id)
        lines = step_messaging.step_lines(
            playbook,
            [row for row in rows if row.active],
            members=roster.roster(session, chat_id),
            settings=settings,
            now=now,
            closed_at=closed_at,
        )
        steps = [
            {
                "id": line["row"].step_id,
                "title": line["step"].title,
                "role": line["role"],
                "owners": [m.name or m.user_id for m in line["owners"]],
                "due": line["due"],
                "state": states.of_row(line["row"], closed_at or now),
                "state_text": line["state"],
            }
            for line in lines
        ]
    entries = [e for e in timeline.entries(session, incident.id) if not e.recalled][-TIMELINE_SHOWN:]
    return {
        "title": incident.title,
        "level": labels.level(incident.level),
        "open": incident.status == "open",
        "steps": steps,
        "timeline": [
            {
                "at": format_local(e.at, settings.tz, now=now),
                "kind": e.kind,
                "kind_text": labels.kind(e.kind),
                "author": e.author_name,
                "text": e.text,
            }
            for e in entries
        ],
    }


def router(runtime: Runtime) -> APIRouter:
    api = APIRouter()

    @api.get("/sandbox/api/board")
    def incident_board(chat_id: str = DEFAULT_CHAT) -> dict[str, Any]:
        with Session(runtime.engine) as session:
            return {"incident": board(session, chat_id, runtime=runtime)}

    return api
