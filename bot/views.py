"""Cards and announcements for incidents: data gathered here, wording in templates/."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot import eventtime, incidents, roster, samples
from bot.config import Settings
from bot.lexicon import load as load_lexicon
from bot.lifecycle import Opened
from bot.messages import Card, Divider, Markdown, Outbound
from bot.metrics import format_value
from bot.models import Incident
from bot.playbooks import Library
from bot.roles import LABELS, label
from bot.severity import Finding, LevelRaised, NegativeAlert
from bot.wording import environment, say

METRIC_LABELS = {
    "topic_reads": "话题阅读", "note_exposure": "笔记曝光", "reposts": "转载/转发", "likes": "点赞", "comments": "评论",
    "negative_ratio": "负面占比", "complaints": "投诉量", "sales_change": "销量变化", "followers_lost": "掉粉",
}
PLATFORM_LABELS = {"xhs": "小红书", "weibo": "微博", "douyin": "抖音", "media": "媒体"}
COLORS = {1: "red", 2: "orange"}


def _block(name: str, **context: object) -> Markdown:
    return Markdown(environment().get_template(f"cards/{name}.j2").render(**context).strip())


def _roster_lines(session: Session, chat_id: str, needed: list[str]) -> list[dict]:
    members = roster.roster(session, chat_id)
    return [{"role": role, "label": LABELS[role], "members": members.get(role, []), "needed": role in needed}
            for role in LABELS]


def opening_card(session: Session, opened: Opened, *, library: Library, settings: Settings) -> Outbound:
    incident = opened.incident
    level = library.severity.levels[incident.level]
    body = _block(
        "opening", incident=incident, level=level, choice=opened.choice,
        missing=[label(r) for r in opened.missing_roles],
        roster=_roster_lines(session, incident.chat_id, opened.choice.playbook.roles),
        started=eventtime.format_local(incident.started_at, settings.tz, now=incident.opened_at),
        backdated=incident.started_at != incident.opened_at, backfilled=opened.backfilled,
        backfill_error=opened.backfill_error,
    )
    card = Card(title=say("opening_title", incident=incident, level=level), blocks=(body,),
                color=COLORS.get(incident.level, "blue"))
    return Outbound(chat_id=incident.chat_id, kind="card", card=card, ref=incidents.card_ref(incident.id))


def status_card(session: Session, incident: Incident, *, library: Library, settings: Settings,
                now: datetime) -> Card:
    level = library.severity.levels[incident.level]
    playbook = library.playbooks.get(incident.playbook)
    lexicon = load_lexicon(settings.playbook_dir)
    latest = [
        {"label": METRIC_LABELS[s.metric], "value": format_value(s.metric, s.value, lexicon),
         "platform": PLATFORM_LABELS.get(s.platform, s.platform),
         "at": eventtime.format_local(s.at, settings.tz, now=now)}
        for s in samples.latest_by_metric(session, incident.id).values()
    ]
    elapsed = eventtime.format_duration(((incident.closed_at or now) - incident.started_at).total_seconds() / 60)
    needed = playbook.roles if playbook else list(LABELS)
    body = _block(
        "status", incident=incident, level=level, playbook=playbook, elapsed=elapsed, metrics=latest,
        started=eventtime.format_local(incident.started_at, settings.tz, now=now),
        roster=_roster_lines(session, incident.chat_id, needed),
    )
    return Card(title=say("status_title", incident=incident, level=level), blocks=(body, Divider(),
                Markdown(say("status_hint"))), color=COLORS.get(incident.level, "blue"))


def announcements(session: Session, incident: Incident, findings: list[Finding], *, settings: Settings,
                  library: Library) -> list[str]:
    """The group-level messages for severity findings, the lead @mentioned."""
    lexicon = load_lexicon(settings.playbook_dir)
    texts = []
    for finding in findings:
        if isinstance(finding, LevelRaised):
            leads = roster.holders(session, incident.chat_id, finding.lead_role)
            texts.append(say(
                "level_raised", change=finding.change, level_name=finding.level_name, summary=finding.summary,
                metric=METRIC_LABELS[finding.sample.metric],
                value=format_value(finding.sample.metric, finding.sample.value, lexicon),
                threshold=format_value(finding.rule.metric, finding.rule.above, lexicon),
                at=eventtime.format_local(finding.sample.at, settings.tz), leads=leads,
                lead_label=label(finding.lead_role),
            ))
        elif isinstance(finding, NegativeAlert):
            lead_role = library.severity.levels[incident.level].lead_role
            texts.append(say(
                "negative_alert", value=format_value("negative_ratio", finding.sample.value, lexicon),
                previous=(None if finding.previous is None
                          else format_value("negative_ratio", finding.previous, lexicon)),
                threshold=format_value("negative_ratio", finding.threshold, lexicon),
                at=eventtime.format_local(finding.sample.at, settings.tz),
                leads=roster.holders(session, incident.chat_id, lead_role), lead_label=label(lead_role),
            ))
    return texts
