"""`crisisbot replay FILE`: a recorded conversation played into a fresh SQLite database in a temporary folder,
and the retro of the chat's latest incident as of the recorded end (the same `document` as `crisisbot retro`)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from bot.config import Settings
from bot.core import db
from bot.incidents.models import Incident
from bot.replay.format import Conversation
from bot.replay.run import Played, play
from bot.retro import flows as retro_flows


class NoIncident(LookupError):
    """The conversation never opened an incident: there is no retro to show."""


@dataclass(frozen=True)
class Replayed:
    text: str  # the retro in the asked format
    played: Played


def replay_settings(settings: Settings, database_url: str) -> Settings:
    """The team's settings (playbooks, time zone) on the replay's own database, for every chat, no Feishu."""
    return settings.model_copy(
        update={
            "database_url": database_url,
            "allowed_chat_ids": [],
            "feishu_app_id": "",
            "feishu_app_secret": "",
            "feishu_mode": None,
            "processing_paused": False,
        }
    )


def retro_of(conversation: Conversation, settings: Settings, *, format: str) -> Replayed:
    """The retro (`md` or `json`) after replaying `conversation` into a temporary database."""
    with tempfile.TemporaryDirectory(prefix="crisisbot-replay-") as folder:
        url = f"sqlite:///{Path(folder) / 'replay.db'}"
        db.upgrade(url)
        engine = db.make_engine(url)
        try:
            local = replay_settings(settings, url)
            played = play(conversation, engine, local)
            if played.incident_id is None:
                raise NoIncident(conversation.chat_id)
            with Session(engine) as session:
                incident = session.get(Incident, played.incident_id)
                text = retro_flows.document(session, incident, local, format=format, now=played.end)
        finally:
            engine.dispose()
    return Replayed(text=text, played=played)
