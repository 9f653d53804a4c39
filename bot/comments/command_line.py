"""`crisisbot import FILE`: the import in the CLI's session, and what it prints (the summary, or `--json` that
object; a refused file's Chinese reason on stderr and exit 1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from bot.clock.now import utcnow
from bot.comments import alerts, flows, messaging
from bot.comments.problems import ImportRefused
from bot.config import Settings
from bot.core import outbox
from bot.core.wording import render


@dataclass(frozen=True)
class CliImport:
    summary: flows.Summary | None
    text: str  # the summary as the chat would say it
    problem: str = ""  # why nothing was imported (Chinese), for stderr
    reason: str = ""

    def output(self, as_json: bool) -> str:
        """What goes to stdout."""
        if not as_json:
            return self.text
        if self.summary is None:
            return json.dumps(
                {"error": self.reason, "message": self.problem, "read": 0, "imported": 0}, ensure_ascii=False
            )
        return json.dumps(self.summary.as_json(), ensure_ascii=False)


def import_path(
    session: Session,
    path: Path,
    settings: Settings,
    *,
    incident_id: int | None,
    chat_id: str | None,
    platform: str | None = None,
) -> CliImport:
    """Import `path` into the incident (by id, or the chat's latest) and commit; nothing is written on a refusal."""
    try:
        incident = flows.incident_for(session, incident_id=incident_id, chat_id=chat_id)
        summary = flows.import_comments(
            session,
            incident,
            flows.read_file(path, settings),
            name=path.name,
            source="cli",
            settings=settings,
            now=utcnow(),
            platform=str(platform) if platform else None,
        )
    except ImportRefused as refused:
        session.rollback()
        return CliImport(None, "", messaging.refused_text(refused, name=path.name, where="cli"), refused.reason)
    # the group's alert goes out through the outbox: the running bot delivers it
    alerted = alerts.alert_messages(session, incident.id, settings=settings, now=utcnow())
    outbox.enqueue(session, alerted)
    session.commit()
    text = messaging.summary_text(summary, settings)
    if alerted:
        text += "\n" + render("comments/alert_queued", alert=alerted[0].text.splitlines()[0])  # the mentions: line 2
    return CliImport(summary, text)
