"""Incident wording: the opening card, the status card and the severity announcements (level raised,
negative share alert). Takes the data it shows (roster, samples, step rows); never reads or writes."""

from __future__ import annotations

from datetime import datetime

from bot.clock.format import format_duration, format_local
from bot.config import Settings
from bot.core import labels
from bot.core.messages import Card, Divider, Markdown, Outbound
from bot.core.wording import environment, say
from bot.incidents.models import Incident
from bot.incidents.roster import Member
from bot.incidents.service import card_ref
from bot.library.playbooks import Library, Playbook
from bot.steps.messaging import COLORS, step_lines
from bot.steps.models import IncidentStep
from bot.timeline.models import MetricSample
from bot.timeline.severity import Finding, LevelRaised, NegativeAlert
from bot.timeline.values import format_value


def _card_block(name: str, **context: object) -> Markdown:
    return Markdown(environment().get_template(f"cards/{name}.j2").render(**context).strip())


def roster_lines(members: dict[str, list[Member]], needed: list[str]) -> list[dict]:
    """Every role with its members, and whether the playbook needs it."""
    return [
        {"role": role, "label": word, "members": members.get(role, []), "needed": role in needed}
        for role, word in labels.of("roles").items()
    ]


def opening_card(opened, *, members: dict[str, list[Member]], library: Library, settings: Settings) -> Outbound:
    """The card that opens an incident: playbook and why, level, start, roster, backfill."""
    incident = opened.incident
    level = library.severity.levels[incident.level]
    body = _card_block(
        "opening",
        incident=incident,
        level=level,
        choice=opened.choice,
        missing=[labels.role(r) for r in opened.missing_roles],
        roster=roster_lines(members, opened.choice.playbook.roles),
        started=format_local(incident.started_at, settings.tz, now=incident.opened_at),
        backdated=incident.started_at != incident.opened_at,
        backfilled=opened.backfilled,
        backfill_error=opened.backfill_error,
    )
    card = Card(
        title=say("opening_title", incident=incident, level=level),
        blocks=(body,),
        color=COLORS.get(incident.level, "blue"),
    )
    return Outbound(chat_id=incident.chat_id, kind="card", card=card, ref=card_ref(incident.id))


def status_card(
    incident: Incident,
    *,
    playbook: Playbook | None,
    rows: list[IncidentStep],
    latest: list[MetricSample],
    members: dict[str, list[Member]],
    lexicon,
    library: Library,
    settings: Settings,
    now: datetime,
) -> Card:
    """Level, elapsed time, latest data, roster and steps (`rows`) of an incident."""
    level = library.severity.levels[incident.level]
    metrics = [
        {
            "label": labels.metric(s.metric),
            "value": format_value(s.metric, s.value, lexicon),
            "platform": labels.platform(s.platform),
            "at": format_local(s.at, settings.tz, now=now),
        }
        for s in latest
    ]
    elapsed = format_duration(((incident.closed_at or now) - incident.started_at).total_seconds() / 60)
    body = _card_block(
        "status",
        incident=incident,
        level=level,
        playbook=playbook,
        elapsed=elapsed,
        metrics=metrics,
        started=format_local(incident.started_at, settings.tz, now=now),
        roster=roster_lines(members, playbook.roles if playbook else list(labels.of("roles"))),
        steps=step_lines(playbook, rows, members=members, settings=settings, now=now, closed_at=incident.closed_at)
        if playbook
        else [],
    )
    return Card(
        title=say("status_title", incident=incident, level=level),
        blocks=(body, Divider(), Markdown(say("status_hint"))),
        color=COLORS.get(incident.level, "blue"),
    )


def announcements(
    incident: Incident,
    findings: list[Finding],
    *,
    members: dict[str, list[Member]],
    lexicon,
    library: Library,
    settings: Settings,
) -> list[str]:
    """The group-level messages for severity findings, the lead @mentioned."""
    texts = []
    for finding in findings:
        if isinstance(finding, LevelRaised):
            texts.append(
                say(
                    "level_raised",
                    change=finding.change,
                    level_name=finding.level_name,
                    summary=finding.summary,
                    metric=labels.metric(finding.sample.metric),
                    value=format_value(finding.sample.metric, finding.sample.value, lexicon),
                    threshold=format_value(finding.rule.metric, finding.rule.above, lexicon),
                    at=format_local(finding.sample.at, settings.tz),
                    leads=members.get(finding.lead_role, []),
                    lead_label=labels.role(finding.lead_role),
                )
            )
        elif isinstance(finding, NegativeAlert):
            lead_role = library.severity.levels[incident.level].lead_role
            texts.append(
                say(
                    "negative_alert",
                    value=format_value("negative_ratio", finding.value, lexicon),
                    previous=(
                        None if finding.previous is None else format_value("negative_ratio", finding.previous, lexicon)
                    ),
                    threshold=format_value("negative_ratio", finding.threshold, lexicon),
                    at=format_local(finding.at, settings.tz),
                    comments=None if finding.comments is None else format_value("comments", finding.comments),
                    latest=None if finding.latest is None else format_value("negative_ratio", finding.latest, lexicon),
                    fallen=finding.latest is not None and finding.latest <= finding.threshold,
                    leads=members.get(lead_role, []),
                    lead_label=labels.role(lead_role),
                )
            )
    return texts
