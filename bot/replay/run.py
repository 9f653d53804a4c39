"""The replay loop: a recorded conversation played through the real pipeline (inbox → router → handlers →
outbox → a messenger) on a clock the loop moves itself. Before each recorded line the clock stops at every
moment a reminder, overdue notice or escalation falls due and the sweep runs there, so notices go out at the
time they would have in the group; after each line the sweep runs once more (as the runtime does after
processing), and at the recorded end a last time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.config import Settings
from bot.core import inbox, outbox
from bot.core.messages import Inbound, Outbound
from bot.core.messenger import ReadError
from bot.core.models import InboxEvent
from bot.core.processing import Processor
from bot.core.ratelimit import SendRate
from bot.followups.models import ActionItem
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.library.playbooks import PlaybookError
from bot.library.playbooks import load as load_playbooks
from bot.replay.format import Conversation, Line
from bot.sandbox import events as sandbox_events
from bot.scheduling import sweep
from bot.steps.models import IncidentStep

log = logging.getLogger(__name__)
SOURCE = "sandbox"  # recorded lines enter the inbox as sandbox events: the transport with no wire format
INCIDENT_ACTIONS = ("step_done", "step_claim", "step_help")  # buttons whose value names the incident


class ReplayClock:
    """The time the bot believes it is during a replay; only the loop moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Delivered:
    at: datetime
    message: Outbound


class RecordingMessenger:
    """Delivers outbox rows to a list instead of a chat: what the bot said during the replay, and when."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.sent: list[Delivered] = []

    def send(self, message: Outbound, *, uuid: str) -> str:
        self.sent.append(Delivered(self.clock(), message))
        return message.update_message_id or f"rp_{len(self.sent)}"


class ConversationReader:
    """The group's history, as the recorded conversation has it (for `/危机 开启 … 开始=` backfills)."""

    def __init__(self, chat_id: str, played: list[Inbound], names: dict[str, str]) -> None:
        self.chat_id = chat_id
        self.played = played
        self.names = names

    def members(self, chat_id: str) -> dict[str, str]:
        """The recorded group's members: user id → name."""
        return dict(self.names)

    def owner(self, chat_id: str) -> str | None:
        """A recorded group has no owner: anyone may name its first lead, as in the sandbox."""
        return None

    def history(self, chat_id: str, start: datetime, end: datetime) -> list[Inbound]:
        return [m for m in self.played if m.chat_id == chat_id and start <= m.created_at <= end]

    def fetch(self, message_id: str) -> Inbound | None:
        return next((m for m in self.played if m.message_id == message_id), None)

    def download(self, message_id: str, key: str, kind: str) -> bytes:
        raise ReadError("a recorded conversation has no attachments")


@dataclass
class Played:
    chat_id: str
    end: datetime  # the recorded end, shifted
    incident_id: int | None  # the chat's latest incident after the replay
    failed: list[str] = field(default_factory=list)  # events the bot could not process (event id: error)
    messenger: Any = None  # what delivered the bot's messages (a RecordingMessenger keeps them, with times)


def play(
    conversation: Conversation,
    engine: Engine,
    settings: Settings,
    messenger_for: Callable[[ReplayClock], Any] = RecordingMessenger,
    *,
    shift: timedelta = timedelta(0),
    chat_id: str | None = None,
    message_id_for: Callable[[Line, datetime, str], str] | None = None,
    tag: str = "",
    until: datetime | None = None,
) -> Played:
    """Replay `conversation` into the (migrated) database behind `engine`. `shift` moves every recorded time
    (the demo moves a conversation to the present); `chat_id` replaces the recorded chat; `message_id_for`
    lets the caller store the member's message first (the sandbox transcript) and name its id; `tag` keeps the
    event ids of several conversations played into one database apart. `until` (after the last line) keeps the
    clock going to that moment, reminders and escalations sent when due (the demo plays on to the present)."""
    from handlers import build_router

    chat = chat_id or conversation.chat_id
    clock = ReplayClock(conversation.lines[0].at + shift)
    played: list[Inbound] = []
    messenger = messenger_for(clock)
    processor = Processor(
        engine,
        settings,
        build_router(),
        {SOURCE: sandbox_events.to_event},
        now_fn=clock,
        reader=ConversationReader(chat, played, conversation.name_of),
    )
    rate = SendRate(per_chat=10**6, per_app=10**6, clock=lambda: clock().timestamp())

    def deliver() -> None:
        """Hand what the bot queued to the messenger now (rows are due by the wall clock they were stored on)."""
        while outbox.deliver_due(engine, messenger, rate=rate, max_attempts=settings.outbox_max_attempts).sent:
            pass

    def sweep_at(moment: datetime) -> None:
        clock.now = moment
        sweep.sweep(engine, settings, now=moment)
        deliver()

    for index, line in enumerate(conversation.lines, start=1):
        at = line.at + shift
        while (moment := _next_moment(engine, settings, clock.now, at)) is not None:
            sweep_at(moment)
        clock.now = at
        payload = _payload(engine, line, f"{tag}{index}", chat=chat, at=at, message_id_for=message_id_for)
        inbox.record(engine, source=SOURCE, keys=sandbox_events.keys(payload), payload=payload)
        if payload["type"] == "message":
            played.append(sandbox_events.to_event(payload))
        processor.process_due()
        sweep_at(at)
    end = max(conversation.end + shift, until or conversation.end + shift)
    while (moment := _next_moment(engine, settings, clock.now, end)) is not None:
        sweep_at(moment)
    sweep_at(end)
    with Session(engine) as session:
        latest = incidents.latest(session, chat)
        failed = session.exec(select(InboxEvent).where(InboxEvent.status != "done")).all()
        return Played(
            chat_id=chat,
            end=end,
            incident_id=latest.id if latest else None,
            failed=[f"{row.event_id}: {row.last_error}" for row in failed],
            messenger=messenger,
        )


def _payload(
    engine: Engine,
    line: Line,
    index: str,
    *,
    chat: str,
    at: datetime,
    message_id_for: Callable[[Line, datetime, str], str] | None,
) -> dict[str, Any]:
    """The sandbox event a recorded line stands for."""
    base = {
        "event_id": f"replay-ev-{index}",
        "chat_id": chat,
        "sender_id": line.sender.user_id,
        "create_time_ms": int(at.timestamp() * 1000),
    }
    if line.click is not None:
        value = dict(line.click)
        if value["action"] in INCIDENT_ACTIONS and "incident" not in value:
            with Session(engine) as session:
                current = incidents.latest(session, chat)
            value["incident"] = current.id if current else 0
        return {**base, "type": "card_action", "message_id": "", "value": value}
    message_id = line.message_id or f"replay_{index}"
    if message_id_for is not None:
        message_id = message_id_for(line, at, chat)
    return {
        **base,
        "type": "message",
        "message_id": message_id,
        "chat_type": "group",
        "sender_name": line.sender.name,
        "text": line.text or "",
        "mentions": [m.__dict__ for m in line.mentions],
    }


def _next_moment(engine: Engine, settings: Settings, after: datetime, before: datetime) -> datetime | None:
    """The first moment strictly between `after` and `before` at which the sweep would find something due: a
    stage of an open step (reminder, overdue, escalation) or an action item's due or overdue morning. Asked
    again after every sweep, since what is open (and when it is due) changes as the crisis goes on."""
    try:
        library = load_playbooks(settings.playbook_dir)
    except PlaybookError:
        return None
    times: list[datetime] = []
    with Session(engine) as session:
        for incident in session.exec(select(Incident).where(Incident.status == "open")):
            playbook = library.playbooks.get(incident.playbook)
            if playbook is None:
                continue
            rows = session.exec(
                select(IncidentStep).where(IncidentStep.incident_id == incident.id, IncidentStep.status == "open")
            ).all()
            for row in rows:
                if row.active and row.due_at is not None:
                    times += sweep.stage_times(row, playbook, incident.time_scale or 1.0).values()
        for item in session.exec(select(ActionItem).where(ActionItem.status == "open", ActionItem.due.is_not(None))):
            morning = datetime.combine(item.due, time(10, 0), tzinfo=settings.tz)
            times += [morning, morning + timedelta(days=1)]
    ahead = [as_utc(t) for t in times if after < as_utc(t) < before]
    return min(ahead) if ahead else None
