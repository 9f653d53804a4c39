"""What the retro reads from the database, as Core selects of the columns used (Row tuples, attribute access by
column name like the ORM objects): an incident can hold 200,000 samples, and building an ORM object per row costs
several times the read itself. Datetime columns still go through UTCDateTime (its process_result_value applies to
Core selects of table columns too), so every `at` read here is UTC-aware."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Row
from sqlmodel import Session, select

from bot.drafting.models import StatementLint
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry

Entry = Row  # a timeline entry: id, at, kind, subkind, author_id, text, links, recalled, author_name
Point = Row  # a negative-share sample: at, value, source

MILESTONES = (10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)  # 1万 → 10万 → 100万 → 1000万 → 1亿
MILESTONE_METRICS = ("topic_reads", "note_exposure", "reposts", "likes", "comments", "complaints", "followers_lost")

_ENTRY = TimelineEntry.__table__
_SAMPLE = MetricSample.__table__
AT, VALUE = 0, 1  # columns of a negative-share row: (at, value, source), see negative_series


def entries(session: Session, incident_id: int) -> list[Entry]:
    """The incident's timeline entries (recalled ones included) in event order, as rows with the used columns."""
    c = _ENTRY.c
    stmt = (
        sa.select(c.id, c.at, c.kind, c.subkind, c.author_id, c.text, c.links, c.recalled, c.author_name)
        .where(c.incident_id == incident_id)
        .order_by(c.at, c.id)
    )
    return session.execute(stmt).all()


@dataclass(frozen=True)
class Window:
    """The samples the retro reads: the incident's, from started_at to closed_at (open-ended while open), and not
    from a recalled entry. `of(table)` is that filter as SQL, for `metric_sample` or an alias of it. (SQLite compares
    the stored UTC text, in UTCDateTime's fixed format: the same order the `ORDER BY at` of every read relies on.)"""

    incident_id: int
    started: datetime
    closed: datetime | None

    def of(self, table: sa.FromClause = _SAMPLE) -> list[sa.ColumnElement[bool]]:
        c, e = table.c, _ENTRY.c
        recalled = sa.select(e.id).where(e.incident_id == self.incident_id, e.recalled)
        conditions = [
            c.incident_id == self.incident_id,
            c.at >= self.started,
            sa.or_(c.entry_id.is_(None), c.entry_id.not_in(recalled)),
        ]  # NOT IN alone drops NULLs
        if self.closed is not None:
            conditions.append(c.at <= self.closed)
        return conditions


def negative_series(session: Session, window: Window) -> list[Point]:
    """The negative shares in the window in event order, as (at, value, source) rows: the one series that is
    read in full, as it is output point by point."""
    c = _SAMPLE.c
    stmt = sa.select(c.at, c.value, c.source).where(*window.of(), c.metric == "negative_ratio").order_by(c.at, c.id)
    return session.execute(stmt).all()


@dataclass(frozen=True)
class CountMetrics:
    peaks: dict[str, float]  # metric → highest value in the window
    # (metric, threshold, first time a sample reached it, whether that was the first sample of the metric: the
    # threshold was crossed before anything was recorded, so the time says when it was known, not when it happened)
    milestones: list[tuple[str, int, datetime, bool]]


def count_metrics(session: Session, window: Window) -> CountMetrics:
    """Peaks and milestones of the count metrics in one aggregate query: per metric MAX(value) and, per threshold,
    MIN(at) of the samples at or above it — the `at` of the first such sample in (at, id) order, exactly."""
    c = _SAMPLE.c
    firsts = [sa.func.min(sa.case((c.value >= threshold, c.at))) for threshold in MILESTONES]  # typed as `at`
    stmt = (
        sa.select(c.metric, sa.func.max(c.value), sa.func.min(c.at), *firsts)
        .where(*window.of(), c.metric.in_(MILESTONE_METRICS))
        .group_by(c.metric)
    )
    rows = {row[0]: row for row in session.execute(stmt)}
    milestones = [
        (metric, threshold, rows[metric][3 + i], rows[metric][3 + i] == rows[metric][2])
        for metric in MILESTONE_METRICS
        if metric in rows
        for i, threshold in enumerate(MILESTONES)
        if rows[metric][3 + i] is not None
    ]
    return CountMetrics({metric: row[1] for metric, row in rows.items()}, milestones)


def peak_negative_ever(session: Session, incident_id: int) -> float | None:
    """The highest negative share of any sample of the incident (the step conditions read it unfiltered)."""
    c = _SAMPLE.c
    stmt = sa.select(sa.func.max(c.value)).where(c.incident_id == incident_id, c.metric == "negative_ratio")
    return session.execute(stmt).scalar()


def first_sample_per_platform(session: Session, window: Window) -> list[Row]:
    """Per platform, its first sample in the window in (at, id) order, as (platform, at, metric, value, entry_id):
    the rows at their platform's MIN(at) (a join on the stored values, which the `at` index serves), earliest id
    first."""
    s = _SAMPLE.alias("s")
    first = (
        sa.select(_SAMPLE.c.platform, sa.func.min(_SAMPLE.c.at).label("at"))
        .where(*window.of())
        .group_by(_SAMPLE.c.platform)
        .subquery("first")
    )
    stmt = (
        sa.select(s.c.platform, s.c.at, s.c.metric, s.c.value, s.c.entry_id)
        .join(first, sa.and_(s.c.platform == first.c.platform, s.c.at == first.c.at))
        .where(*window.of(s))
        .order_by(s.c.at, s.c.id)
    )
    found: dict[str, Row] = {}
    for row in session.execute(stmt):
        found.setdefault(row.platform, row)
    return list(found.values())


def level_changes(session: Session, incident_id: int) -> list[LevelChange]:
    stmt = select(LevelChange).where(LevelChange.incident_id == incident_id).order_by(LevelChange.at, LevelChange.id)
    return list(session.exec(stmt))


def statement_lints(session: Session, incident_id: int) -> dict[int, StatementLint]:
    stmt = select(StatementLint).where(StatementLint.incident_id == incident_id)
    return {record.entry_id: record for record in session.exec(stmt)}
