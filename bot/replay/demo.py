"""`crisisbot serve --demo`: the sandbox opens on two crises played from the bundled examples — one finished
(its retro card and report link in the chat) and one half-way through — so a newcomer clicks around before
typing. Only into a database with no incidents yet. The recorded times move by whole days (the clock of day
and the times people wrote in their messages stay right) so the open crisis is at the present."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock.now import utcnow
from bot.config import Settings
from bot.core import db
from bot.core.messages import Outbound
from bot.incidents.models import Incident
from bot.replay import format as conversation_format
from bot.replay.format import Conversation, Line
from bot.replay.run import ReplayClock, play
from bot.sandbox.members import DEFAULT_CHAT, MEMBERS
from bot.sandbox.messenger import SandboxMessenger
from bot.sandbox.models import SandboxMessage

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
FINISHED = "product_defect.yaml"
IN_PROGRESS = "service_lag.yaml"


def resolve(file: Path) -> Path:
    """`file` as given (relative to the working directory), else the bundled example of that name."""
    if file.exists() or file.is_absolute():
        return file
    for candidate in (EXAMPLES.parent / file, EXAMPLES / file.name):
        if candidate.exists():
            return candidate
    return file


class DemoMessenger:
    """The sandbox messenger, with each new bubble stamped at the replay's time instead of the real one."""

    def __init__(self, engine: Engine, clock: ReplayClock) -> None:
        self.engine, self.clock, self.inner = engine, clock, SandboxMessenger(engine)

    def send(self, message: Outbound, *, uuid: str) -> str:
        sent = self.inner.send(message, uuid=uuid)
        if not message.update_message_id:
            with Session(self.engine) as session:
                row = session.get(SandboxMessage, int(sent.removeprefix("sb_")))
                row.created_at = self.clock()
                session.add(row)
                session.commit()
        return sent


def seed(settings: Settings, *, now: datetime | None = None) -> bool:
    """Play the two examples into the sandbox group; False (nothing done) when the database has incidents."""
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            if session.exec(select(Incident.id).limit(1)).first() is not None:
                return False
        now = now or utcnow()
        finished = as_sandbox(conversation_format.load(EXAMPLES / FINISHED))
        ongoing = first_half(as_sandbox(conversation_format.load(EXAMPLES / IN_PROGRESS)))
        ongoing_shift = whole_days_before(ongoing.end, now, ongoing.tz)
        finished_shift = whole_days_before(
            finished.end, ongoing.lines[0].at + ongoing_shift - timedelta(days=1), finished.tz
        )
        plays = (("demo-1-", finished, finished_shift, None), ("demo-2-", ongoing, ongoing_shift, now))
        for tag, conversation, shift, until in plays:
            # The ongoing crisis plays on to now: what fell due since its last line is sent at its time, not
            # later by the server as if the bot had been offline (“补发”).
            play(
                conversation,
                engine,
                settings,
                lambda clock: DemoMessenger(engine, clock),
                shift=shift,
                chat_id=DEFAULT_CHAT,
                message_id_for=_transcribe(engine),
                tag=tag,
                until=until,
            )
        return True
    finally:
        engine.dispose()


def whole_days_before(moment: datetime, limit: datetime, tz) -> timedelta:
    """The shift by whole days that brings `moment` closest to `limit` without passing it."""
    days = (limit.astimezone(tz).date() - moment.astimezone(tz).date()).days
    if moment + timedelta(days=days) > limit:
        days -= 1
    return timedelta(days=days)


def first_half(conversation: Conversation) -> Conversation:
    """The conversation up to half-way, before anyone closes the crisis: a crisis still in progress."""
    lines = conversation.lines[: len(conversation.lines) // 2]
    lines = tuple(line for line in lines if not (line.text or "").lstrip().startswith(("/结束", "/危机 结束")))
    return dataclasses.replace(conversation, lines=lines, end=lines[-1].at)


def as_sandbox(conversation: Conversation) -> Conversation:
    """The example's people who have a sandbox seat (same name) take its id, so the page can speak as them."""
    seats = {m.name: m.user_id for m in MEMBERS}

    def seat(member):
        return dataclasses.replace(member, user_id=seats.get(member.name, member.user_id))

    def moved(line: Line) -> Line:
        mentions = tuple(dataclasses.replace(m, user_id=seats.get(m.name, m.user_id)) for m in line.mentions)
        return dataclasses.replace(line, sender=seat(line.sender), mentions=mentions)

    return dataclasses.replace(
        conversation,
        members=tuple(seat(m) for m in conversation.members),
        lines=tuple(moved(line) for line in conversation.lines),
        name_of={seat(m).user_id: m.name for m in conversation.members},
    )


def _transcribe(engine: Engine):
    """Each member's line goes into the sandbox transcript first, as the page posts it; its id is the message's."""

    def message_id_for(line: Line, at: datetime, chat_id: str) -> str:
        with Session(engine) as session:
            row = SandboxMessage(
                chat_id=chat_id, sender_id=line.sender.user_id, sender_name=line.sender.name, text=line.text or ""
            )
            row.created_at = at
            session.add(row)
            session.commit()
            return f"sb_{row.id}"

    return message_id_for
