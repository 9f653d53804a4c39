"""Severity from data: a metric crossing a level's threshold raises the level (recorded in
level_changes); a negative share crossing the alert line raises an alert. Both once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.incidents.models import Incident
from bot.library.playbooks import Severity, Threshold
from bot.scheduling.models import Notice
from bot.timeline import samples as sample_store
from bot.timeline.models import LevelChange, MetricSample


@dataclass(frozen=True)
class LevelRaised:
    change: LevelChange
    rule: Threshold
    sample: MetricSample
    lead_role: str
    summary: str
    level_name: str


@dataclass(frozen=True)
class NegativeAlert:
    """The negative share went over the alert line at `at`: a typed sample, or (`comments` set) a bucket of
    imported comments, then `latest` is the share of the newest bucket (it may have fallen back since)."""

    at: datetime
    value: float
    previous: float | None
    threshold: float
    comments: int | None = None
    latest: float | None = None


Finding = LevelRaised | NegativeAlert


def assess(session: Session, incident: Incident, new_samples: list[MetricSample], severity: Severity) -> list[Finding]:
    findings: list[Finding] = []
    for sample in sorted(new_samples, key=lambda s: (s.at, s.id)):
        upgrade = severity.upgrade_for(sample.metric, sample.value, incident.level)
        if upgrade is not None:
            level, rule = upgrade
            change = LevelChange(
                incident_id=incident.id,
                at=sample.at,
                from_level=incident.level,
                to_level=level,
                reason="",  # a threshold: stored as data below, worded when read (bot.retro.level_reasons)
                metric=sample.metric,
                value=sample.value,
                threshold=rule.above,
            )
            incident.level = level
            session.add(change)
            session.add(incident)
            session.flush()
            rule_info = severity.levels[level]
            findings.append(LevelRaised(change, rule, sample, rule_info.lead_role, rule_info.summary, rule_info.name))
        threshold = severity.alert.negative_ratio_above
        if sample.metric == "negative_ratio" and sample.value > threshold:
            before = sample_store.previous(session, sample)
            if (before is None or before.value <= threshold) and _first_notice(
                session, incident, f"negative_alert:{sample.id}"
            ):
                findings.append(NegativeAlert(sample.at, sample.value, before.value if before else None, threshold))
    return findings


def _first_notice(session: Session, incident: Incident, key: str) -> bool:
    """Record that a notice goes out; False when it already had (the unique key backs this up)."""
    stmt = select(Notice.id).where(Notice.incident_id == incident.id, Notice.key == key)
    if session.exec(stmt).first() is not None:
        return False
    session.add(Notice(incident_id=incident.id, key=key))
    session.flush()
    return True
