"""What the group's messages and timeline commands set off across domains: logging a message (or a
`/数据` data point, or a pinned message) into the timeline, then what the group is told about it —
severity announcements, the statement check, completed steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.core import labels
from bot.core.messages import Inbound, Outbound, Reacted
from bot.core.messenger import ChatReader
from bot.core.wording import render
from bot.drafting.messaging import statement_check
from bot.incidents import roster
from bot.incidents import service as incident_service
from bot.incidents.messaging import announcements
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.steps.flows import completion_notes
from bot.timeline import samples, severity
from bot.timeline import service as timeline_service
from bot.timeline.ingest import Logged, log_message
from bot.timeline.models import TimelineEntry
from bot.timeline.values import format_value, plausible_max


@dataclass
class Announced:
    """A message logged (`logged.entry` is None when it was already in the timeline) and what to tell the group."""

    logged: Logged
    notes: list[Outbound] = field(default_factory=list)


@dataclass
class Pinned:
    message: Inbound  # the pinned message, as fetched back from the chat
    entry: TimelineEntry
    notes: list[Outbound] = field(default_factory=list)


def notes_about(session: Session, logged: Logged, *, settings: Settings, now: datetime) -> list[Outbound]:
    """Severity announcements, the statement check and step completions that logging a message caused."""
    incident = logged.incident
    if incident is None:
        return []
    texts = announcements(
        incident,
        logged.findings,
        members=roster.roster(session, incident.chat_id),
        lexicon=load_lexicon(settings.playbook_dir),
        library=load_playbooks(settings.playbook_dir),
        settings=settings,
    )
    if logged.statement_lint is not None:
        check = statement_check(logged.statement_lint)
        if check:
            texts.append(check)
    texts += implausible_notes(logged, load_lexicon(settings.playbook_dir))
    notes = [Outbound(chat_id=incident.chat_id, text=text) for text in texts]
    return notes + completion_notes(session, incident, logged.completions, settings=settings, now=now)


def implausible_notes(logged: Logged, lexicon) -> list[str]:
    """One line per reading refused as a typo: its words quoted, the metric's plausible maximum."""
    if logged.entry is None:
        return []
    notes = []
    for reading in logged.implausible:
        limit = plausible_max(reading.metric, lexicon)
        notes.append(
            render(
                "timeline/implausible_reading",
                quoted=logged.entry.text[reading.span[0] : reading.span[1]][:40],
                label=labels.metric(reading.metric),
                limit=None if limit is None else format_value(reading.metric, limit, lexicon),
            )
        )
    return notes


def log_and_announce(
    session: Session, message: Inbound, *, settings: Settings, now: datetime, **options: object
) -> Announced:
    """`ingest.log_message` (same options: incident, source, text, kind, subkind …), then its notes."""
    logged = log_message(session, message, settings=settings, **options)
    return Announced(logged, notes_about(session, logged, settings=settings, now=now))


def record_metric(
    session: Session,
    message: Inbound,
    *,
    incident: Incident,
    metric: str,
    value: float,
    platform: str,
    at: datetime,
    settings: Settings,
    now: datetime,
) -> Announced:
    """A data point given by command (`/数据`): a `metric` entry and its sample at `at`, assessed for
    severity. Nothing is recorded twice for the same message."""
    lexicon = load_lexicon(settings.playbook_dir)
    text = render("timeline/metric_entry", metric=metric, value=format_value(metric, value, lexicon), platform=platform)
    entry = timeline_service.add(
        session,
        incident,
        at=at,
        kind="metric",
        text=text,
        author_id=message.sender_id,
        author_name=message.sender_name,
        message_id=message.message_id,
        source="command",
    )
    if entry is None:
        return Announced(Logged(incident=incident))
    sample = samples.record(
        session, incident, metric=metric, value=value, platform=platform, at=at, source="command", entry_id=entry.id
    )
    findings = severity.assess(session, incident, [sample], load_playbooks(settings.playbook_dir).severity)
    logged = Logged(incident=incident, entry=entry, samples=[sample], findings=findings)
    return Announced(logged, notes_about(session, logged, settings=settings, now=now))


def pin_message(
    session: Session, event: Reacted, *, reader: ChatReader | None, settings: Settings, now: datetime
) -> Pinned | None:
    """A pin reaction (the lexicon's `pin_reactions`) on a message of an incident's chat: the message
    joins the timeline at its original time, pinned. None when there is nothing new to pin."""
    if event.emoji not in load_lexicon(settings.playbook_dir).pin_reactions or reader is None:
        return None
    message = reader.fetch(event.message_id)
    if message is None:
        return None
    incident = incident_service.for_message(session, message.chat_id, root_id=message.root_id)
    if incident is None:
        return None
    existing = timeline_service.by_message(session, incident.id, message.message_id)
    if existing is not None:
        if existing.pinned:
            return None
        return Pinned(message, timeline_service.pin(session, existing))
    announced = log_and_announce(
        session, message, settings=settings, now=now, incident=incident, source="pin", pinned=True
    )
    if announced.logged.entry is None:
        return None
    return Pinned(message, announced.logged.entry, announced.notes)
