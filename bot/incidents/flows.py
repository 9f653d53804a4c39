"""Opening and closing incidents, with the entries, backfill and roster checks that go with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.core.messenger import ChatReader, ReadError
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.library.playbooks import Library, Playbook
from bot.timeline import ingest as conversation
from bot.timeline import service as timeline
from bot.timeline.severity import Finding

DEFAULT_PLAYBOOK = "product_defect"


@dataclass
class Choice:
    playbook: Playbook
    matched: list[str]  # title words that chose it; empty when given or defaulted
    given: bool


@dataclass
class Opened:
    incident: Incident
    choice: Choice
    missing_roles: list[str]
    backfilled: int = 0
    backfill_error: str = ""
    findings: list[Finding] = field(default_factory=list)


def choose_playbook(library: Library, title: str, given: str | None) -> Choice:
    if given:
        return Choice(library.playbooks[given], [], True)
    suggested, matched = library.suggest(title)
    if suggested:
        return Choice(library.playbooks[suggested], matched, False)
    fallback = library.playbooks.get(DEFAULT_PLAYBOOK) or next(iter(library.playbooks.values()))
    return Choice(fallback, [], False)


def missing_roles(session: Session, chat_id: str, playbook: Playbook) -> list[str]:
    members = roster.roster(session, chat_id)
    return [role for role in playbook.roles if not members.get(role)]


def open_incident(
    session: Session,
    *,
    settings: Settings,
    library: Library,
    reader: ChatReader | None,
    chat_id: str,
    title: str,
    choice: Choice,
    level: int | None,
    since: datetime | None,
    opened_at: datetime,
    opened_by: str,
    opened_by_name: str,
    message_id: str,
) -> Opened:
    level = level or library.severity.default_level
    reason = ("指定" if choice.given else "、".join(choice.matched)) if (choice.given or choice.matched) else ""
    incident = incidents.open_incident(
        session,
        chat_id=chat_id,
        title=title,
        playbook=choice.playbook.id,
        playbook_reason=reason,
        level=level,
        started_at=since or opened_at,
        opened_at=opened_at,
        opened_by=opened_by,
        open_message_id=message_id,
    )
    if since is not None:
        timeline.add(
            session,
            incident,
            at=since,
            kind="detection",
            text=f"危机开始（发现时间）：{title}",
            author_id=opened_by,
            author_name=opened_by_name,
            source="command",
        )
    timeline.add(
        session,
        incident,
        at=opened_at,
        kind="system",
        text=f"开启危机事件：{title}",
        author_id=opened_by,
        author_name=opened_by_name,
        message_id=message_id,
        source="command",
    )
    opened = Opened(incident, choice, missing_roles(session, chat_id, choice.playbook))
    if since is not None and reader is not None:
        _backfill(
            session, opened, reader=reader, settings=settings, start=since, end=opened_at, skip_message=message_id
        )
    return opened


def _backfill(
    session: Session,
    opened: Opened,
    *,
    reader: ChatReader,
    settings: Settings,
    start: datetime,
    end: datetime,
    skip_message: str,
) -> None:
    """Log the group's history since the crisis started, so a late call still gets it all."""
    try:
        history = reader.history(opened.incident.chat_id, start, end)
    except ReadError as exc:
        opened.backfill_error = str(exc)
        return
    for message in history:
        if message.message_id == skip_message or message.text.lstrip().startswith(("/", "／")):
            continue
        logged = conversation.log_message(
            session, message, settings=settings, incident=opened.incident, source="backfill"
        )
        if logged.entry is not None:
            opened.backfilled += 1
            opened.findings += logged.findings


def close_incident(
    session: Session, incident: Incident, *, at: datetime, by: str, by_name: str, message_id: str
) -> Incident:
    timeline.add(
        session,
        incident,
        at=at,
        kind="system",
        text="结束危机事件",
        author_id=by,
        author_name=by_name,
        message_id=message_id,
        source="command",
    )
    return incidents.close(session, incident, at=at)
