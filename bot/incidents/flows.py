"""Incidents across domains: opening (playbook choice, timeline entries, backfill, roster check) and
closing (with the retro), role assignments, and the opening card, status card and severity
announcements with the data they show (roster, samples, steps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.clock.format import format_duration
from bot.config import Settings
from bot.core import labels
from bot.core.llm import LLM
from bot.core.messages import Card, Outbound
from bot.core.messenger import ChatReader, ReadError
from bot.core.wording import environment, say
from bot.incidents import messaging, roster
from bot.incidents import service as incident_service
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import Library, Playbook
from bot.retro import documents as retro_documents
from bot.retro import flows as retro_flows
from bot.retro import messaging as retro_messaging
from bot.steps import service as step_service
from bot.timeline import ingest, samples
from bot.timeline import service as timeline_service
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


def _render(name: str, **context: object) -> str:
    return environment().get_template(f"incidents/{name}.j2").render(**context).strip()


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
    remedy: str | None = None,
) -> Opened:
    level = level or library.severity.default_level
    chosen = choice.given or choice.matched
    reason = _render("playbook_reason", given=choice.given, matched=choice.matched) if chosen else ""
    incident = incident_service.open_incident(
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
        remedy=remedy,
    )
    if since is not None:
        timeline_service.add(
            session,
            incident,
            at=since,
            kind="detection",
            text=_render("timeline_detection", title=title),
            author_id=opened_by,
            author_name=opened_by_name,
            source="command",
        )
    timeline_service.add(
        session,
        incident,
        at=opened_at,
        kind="system",
        text=_render("timeline_opened", title=title),
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


def open_from_command(
    session: Session,
    *,
    settings: Settings,
    library: Library,
    reader: ChatReader | None,
    chat_id: str,
    title: str,
    playbook: str | None,
    level: int | None,
    since: datetime | None,
    another: bool,
    remedy: str | None,
    opened_at: datetime,
    opened_by: str,
    opened_by_name: str,
    message_id: str,
) -> str | list[Outbound]:
    """`/危机 开启`: the opening card and announcements; or, with an incident already open and no
    另开=是, the hint to close it or open another one explicitly."""
    already = incident_service.open_incidents(session, chat_id)
    if already and not another:
        return say("already_open", incident=already[0])
    opened = open_incident(
        session,
        settings=settings,
        library=library,
        reader=reader,
        chat_id=chat_id,
        title=title,
        choice=choose_playbook(library, title, playbook),
        level=level,
        since=since,
        opened_at=opened_at,
        opened_by=opened_by,
        opened_by_name=opened_by_name,
        message_id=message_id,
        remedy=remedy,
    )
    card = opening_card(session, opened, library=library, settings=settings)
    notes = announcements(session, opened.incident, opened.findings, settings=settings, library=library)
    return [card, *[Outbound(chat_id=chat_id, text=text) for text in notes]]


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
        logged = ingest.log_message(session, message, settings=settings, incident=opened.incident, source="backfill")
        if logged.entry is not None:
            opened.backfilled += 1
            opened.findings += logged.findings


def close_incident(
    session: Session, incident: Incident, *, at: datetime, by: str, by_name: str, message_id: str
) -> Incident:
    timeline_service.add(
        session,
        incident,
        at=at,
        kind="system",
        text=_render("timeline_closed"),
        author_id=by,
        author_name=by_name,
        message_id=message_id,
        source="command",
    )
    return incident_service.close(session, incident, at=at)


def close_from_command(
    session: Session,
    incident: Incident,
    *,
    settings: Settings,
    llm: LLM | None,
    at: datetime,
    by: str,
    by_name: str,
    message_id: str,
) -> list:
    """`/危机 结束`: close, say how long it lasted, and post the retro card and file."""
    close_incident(session, incident, at=at, by=by, by_name=by_name, message_id=message_id)
    duration = format_duration((incident.closed_at - incident.started_at).total_seconds() / 60)
    compiled = retro_flows.compile_retro(session, incident, settings, llm, now=at)
    retro_documents.request(session, incident, settings, now=at)
    leads = roster.holders(session, incident.chat_id, "lead")
    return [
        say("closed", incident=incident, duration=duration),
        *retro_messaging.retro_outputs(compiled, chat_id=incident.chat_id, leads=leads),
    ]


def assign_role(
    session: Session,
    *,
    chat_id: str,
    role: str,
    members: list[roster.Member],
    by: str,
    by_name: str,
    at: datetime,
    message_id: str,
    root_id: str = "",
) -> list[roster.Member]:
    """`/角色`: add members to a role (kept per group); with an incident open, the assignment is logged.
    Returns the members newly added."""
    added = roster.assign(session, chat_id=chat_id, role=role, members=members, by=by, at=at)
    incident = incident_service.for_message(session, chat_id, root_id=root_id)
    if incident is not None and added:
        timeline_service.add(
            session,
            incident,
            at=at,
            kind="decision",
            text=_render("timeline_roles", role=labels.role(role), added=added),
            author_id=by,
            author_name=by_name,
            message_id=message_id,
            source="command",
        )
    return added


def opening_card(session: Session, opened: Opened, *, library: Library, settings: Settings) -> Outbound:
    """The opening card with the group's roster."""
    members = roster.roster(session, opened.incident.chat_id)
    return messaging.opening_card(opened, members=members, library=library, settings=settings)


def announcements(
    session: Session, incident: Incident, findings: list[Finding], *, settings: Settings, library: Library
) -> list[str]:
    """The group-level messages for severity findings, the lead @mentioned."""
    if not findings:
        return []
    return messaging.announcements(
        incident,
        findings,
        members=roster.roster(session, incident.chat_id),
        lexicon=load_lexicon(settings.playbook_dir),
        library=library,
        settings=settings,
    )


def status_card(session: Session, incident: Incident, *, library: Library, settings: Settings, now: datetime) -> Card:
    """The status card; reads only (an open incident's steps are shown as the next sweep will keep them)."""
    playbook = library.playbooks.get(incident.playbook)
    if playbook is not None and incident.status == "open":
        rows = step_service.projected(session, incident, playbook)
    else:
        rows = step_service.for_incident(session, incident.id)
    return messaging.status_card(
        incident,
        playbook=playbook,
        rows=rows,
        latest=samples.latest_per_platform(session, incident.id),
        members=roster.roster(session, incident.chat_id),
        lexicon=load_lexicon(settings.playbook_dir),
        library=library,
        settings=settings,
        now=now,
    )
