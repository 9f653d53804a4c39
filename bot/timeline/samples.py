"""Metric samples of an incident (from messages, commands and imports)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.incidents.models import Incident
from bot.library.lexicon import METRICS, PLATFORMS
from bot.timeline.models import MetricSample


def record(
    session: Session,
    incident: Incident,
    *,
    metric: str,
    value: float,
    platform: str,
    at: datetime,
    source: str,
    entry_id: int | None = None,
) -> MetricSample:
    sample = MetricSample(
        incident_id=incident.id, metric=metric, value=value, platform=platform, at=at, source=source, entry_id=entry_id
    )
    session.add(sample)
    session.flush()
    return sample


def series(session: Session, incident_id: int, metric: str | None = None) -> list[MetricSample]:
    stmt = select(MetricSample).where(MetricSample.incident_id == incident_id)
    if metric:
        stmt = stmt.where(MetricSample.metric == metric)
    return list(session.exec(stmt.order_by(MetricSample.at, MetricSample.id)))


def previous(session: Session, sample: MetricSample) -> MetricSample | None:
    """The sample of the same metric just before this one in event time."""
    stmt = (
        select(MetricSample)
        .where(
            MetricSample.incident_id == sample.incident_id,
            MetricSample.metric == sample.metric,
            MetricSample.id != sample.id,
            MetricSample.at <= sample.at,
        )
        .order_by(MetricSample.at.desc(), MetricSample.id.desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def latest_per_platform(session: Session, incident_id: int) -> list[MetricSample]:
    """The latest sample of each metric on each platform (话题阅读 520万 on 小红书 and 50万 on 抖音 are two
    figures, neither hides the other), metrics in the lexicon's order, Xiaohongshu first."""
    latest: dict[tuple[str, str], MetricSample] = {}
    for sample in series(session, incident_id):
        latest[(sample.metric, sample.platform)] = sample

    def order(key: tuple[str, str]) -> tuple[int, int]:
        metric, platform = key
        return (
            METRICS.index(metric) if metric in METRICS else len(METRICS),
            PLATFORMS.index(platform) if platform in PLATFORMS else len(PLATFORMS),
        )

    return [latest[key] for key in sorted(latest, key=order)]
