"""Turns what the group says into the incident record: every message while an incident is open
becomes a timeline entry at its event time, with its kind, metric samples, links and evidence;
new samples are assessed for severity."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.clock.parse import leading_time
from bot.config import Settings
from bot.core.messages import Inbound
from bot.drafting import statements
from bot.drafting.models import StatementLint
from bot.incidents import service as incident_service
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.steps import service as step_service
from bot.timeline import classify, evidence, samples, severity
from bot.timeline import service as timeline_service
from bot.timeline.models import MetricSample, TimelineEntry
from bot.timeline.readings import Reading, extract, implausible


@dataclass
class Logged:
    """What logging one message produced (nothing when it was already logged)."""

    incident: Incident | None = None
    entry: TimelineEntry | None = None
    samples: list[MetricSample] = field(default_factory=list)
    findings: list[severity.Finding] = field(default_factory=list)
    completions: list[step_service.Completion] = field(default_factory=list)
    statement_lint: StatementLint | None = None
    implausible: list[Reading] = field(default_factory=list)  # typos refused as readings, to tell the group


def log_message(
    session: Session,
    message: Inbound,
    *,
    settings: Settings,
    incident: Incident | None = None,
    source: str = "message",
    pinned: bool = False,
    text: str | None = None,
    kind: str | None = None,
    subkind: str | None = None,
) -> Logged:
    """Log `message` into its incident (found from the chat and thread unless given).
    `text`/`kind` override what is read from the message (e.g. `/log` text)."""
    incident = incident or incident_service.for_message(session, message.chat_id, root_id=message.root_id)
    if incident is None:
        return Logged()
    lexicon = load_lexicon(settings.playbook_dir)
    body = message.text if text is None else text
    at = message.created_at
    lead = leading_time(body, sent_at=message.created_at, tz=settings.tz)
    if lead is not None:
        at, body = lead.at, lead.rest
    said = classify.statement(body, lexicon)
    readings = extract(body, lexicon)
    if kind is None:
        if said is not None:
            kind, subkind = "statement", said[0]
        else:
            kind = classify.kind_of(body, lexicon, has_metrics=bool(readings))
    entry = timeline_service.add(
        session,
        incident,
        at=at,
        kind=kind,
        subkind=subkind,
        text=body,
        author_id=message.sender_id,
        author_name=message.sender_name,
        message_id=message.message_id or None,
        source=source,
        links=classify.links(body, lexicon),
        pinned=pinned,
    )
    if entry is None:
        return Logged(incident=incident)
    new = [
        samples.record(
            session,
            incident,
            metric=r.metric,
            value=r.value,
            platform=r.platform,
            at=at,
            source="message",
            entry_id=entry.id,
        )
        for r in readings
    ]
    evidence.queue(session, incident, entry, message)
    library = load_playbooks(settings.playbook_dir)
    found = severity.assess(session, incident, new, library.severity)
    done: list[step_service.Completion] = []
    playbook = library.playbooks.get(incident.playbook)
    if playbook is not None and incident.status == "open":
        if kind == "statement" and subkind:
            done = step_service.complete_by_statement(session, incident, playbook, subkind, at=at, by=message.sender_id)
        else:
            done = step_service.complete_by_phrase(session, incident, playbook, body, at=at, by=message.sender_id)
    checked = statements.lint_statement(session, entry) if kind == "statement" else None
    return Logged(
        incident=incident,
        entry=entry,
        samples=new,
        findings=found,
        completions=done,
        statement_lint=checked,
        implausible=implausible(body, lexicon),
    )
