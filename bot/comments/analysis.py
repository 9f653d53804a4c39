"""The public's side of a crisis, read from the imported comments: the negative share per time bucket (the retro's
import points), per platform and overall, the crisis-emotion mix over time, the complaint keywords
(`bot.comments.keywords`) and the user segments with their unresolved demands. Brand-account comments are stored
but are not public sentiment: every figure here leaves them out.

Built for 200,000 comments: buckets, platforms and emotions are SQL aggregates (GROUP BY over an epoch bucket, on
SQLite and PostgreSQL); only the segments read text, and the keywords read the words cut at import.
Buckets are aligned to the clock (multiples of the bucket length since the epoch: :00 and :30 for 30 minutes) and
stamped at their end, the moment the share is known; a bucket with fewer than MIN_BUCKET comments says too little
to be a point."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from bot.clock.now import as_utc
from bot.comments import keywords as keyword_counter
from bot.comments.models import Comment
from bot.comments.phrases import SEGMENT_ORDER, Phrases

BUCKET = timedelta(minutes=30)
MIN_BUCKET = 20  # comments a bucket needs to be a point of the curve
EMOTIONS = ("disappointed", "angry", "deceived", "refund", "safety", "sarcasm")  # the contract's emotion codes
TOP_KEYWORDS = 10
TOP_DEMANDS = 3

_C = Comment.__table__.c


class ImportPoint(NamedTuple):
    """A negative-share point of the retro series computed from imported comments (the rows of
    `bot.retro.reading.negative_series` have the same shape: at, value, source)."""

    at: datetime
    value: float
    source: str


@dataclass(frozen=True)
class Bucket:
    end: datetime  # UTC, the bucket's end
    total: int
    negative: int
    emotions: dict[str, int]  # code → comments naming it

    @property
    def share(self) -> float:
        return self.negative / self.total if self.total else 0.0


@dataclass(frozen=True)
class Window:
    """The comments read: the incident's public ones (not the brand's), created in [since, until] when given."""

    incident_id: int
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found = [_C.incident_id == self.incident_id, sa.not_(_C.is_brand)]
        if self.since is not None:
            found.append(_C.created_at >= as_utc(self.since))
        if self.until is not None:
            found.append(_C.created_at <= as_utc(self.until))
        return found


def _negative() -> sa.ColumnElement:
    return sa.func.sum(sa.case((_C.sentiment == "negative", 1), else_=0))


def _naming(code: str) -> sa.ColumnElement:
    """1 when the comma-separated emotions column names `code`."""
    return sa.case((sa.literal(",").concat(_C.emotions).concat(",").like(f"%,{code},%"), 1), else_=0)


def _epoch_bucket(dialect: str, seconds: int) -> sa.ColumnElement:
    """The bucket number of `created_at` (seconds since the epoch // bucket length), in the dialect's SQL."""
    if dialect == "sqlite":
        epoch = sa.cast(sa.func.strftime("%s", _C.created_at), sa.Integer)
        return sa.cast(epoch / seconds, sa.Integer)  # integer division on integers
    return sa.func.floor(sa.extract("epoch", _C.created_at) / seconds)


def buckets(session: Session, window: Window, *, length: timedelta = BUCKET) -> list[Bucket]:
    """Every bucket that holds comments, in time order, with its negative count and emotion counts."""
    seconds = int(length.total_seconds())
    number = _epoch_bucket(session.get_bind().dialect.name, seconds).label("bucket")
    stmt = (
        sa.select(number, sa.func.count(), _negative(), *(sa.func.sum(_naming(code)) for code in EMOTIONS))
        .where(*window.conditions())
        .group_by(number)
        .order_by(number)
    )
    found = []
    for row in session.execute(stmt):
        end = datetime.fromtimestamp((int(row[0]) + 1) * seconds, tz=UTC)
        emotions = {code: int(n or 0) for code, n in zip(EMOTIONS, row[3:], strict=True)}
        found.append(Bucket(end, int(row[1]), int(row[2] or 0), emotions))
    return found


def import_points(found: list[Bucket], *, minimum: int = MIN_BUCKET) -> list[ImportPoint]:
    """The retro's `"source": "import"` points: one per bucket with at least `minimum` comments."""
    return [ImportPoint(b.end, b.share, "import") for b in found if b.total >= minimum]


@dataclass(frozen=True)
class Overview:
    total: int
    negative: int
    by_platform: dict[str, tuple[int, int]]  # platform → (comments, negative)
    emotions: dict[str, int]  # code → comments naming it

    @property
    def share(self) -> float:
        return self.negative / self.total if self.total else 0.0


def overview(session: Session, window: Window) -> Overview:
    """Totals, per platform and per emotion, in one aggregate query."""
    stmt = (
        sa.select(_C.platform, sa.func.count(), _negative(), *(sa.func.sum(_naming(code)) for code in EMOTIONS))
        .where(*window.conditions())
        .group_by(_C.platform)
    )
    by_platform: dict[str, tuple[int, int]] = {}
    emotions: Counter[str] = Counter()
    for row in session.execute(stmt):
        by_platform[row[0]] = (int(row[1]), int(row[2] or 0))
        emotions.update({code: int(n or 0) for code, n in zip(EMOTIONS, row[3:], strict=True)})
    total = sum(n for n, _ in by_platform.values())
    negative = sum(neg for _, neg in by_platform.values())
    return Overview(total, negative, by_platform, {code: emotions[code] for code in EMOTIONS})


@dataclass(frozen=True)
class Segment:
    segment: str  # core | potential | general | unknown
    count: int
    negative: int
    demands: list[tuple[str, int]]  # (demand, negative comments still naming it), most first

    @property
    def share(self) -> float:
        return self.negative / self.count if self.count else 0.0


def segments(session: Session, window: Window, phrases: Phrases, *, open_since: datetime | None) -> list[Segment]:
    """The user segments (only those with comments, in the method's order), each with its negative share and its
    unresolved demands: what its negative comments still ask for after `open_since` (the team's last public
    statement; every negative comment when there was none)."""
    stmt = sa.select(_C.text, _C.is_fan, _C.sentiment, _C.created_at).where(*window.conditions())
    counts: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    demands: dict[str, Counter[str]] = {name: Counter() for name in SEGMENT_ORDER}
    since = as_utc(open_since) if open_since is not None else None
    for text, is_fan, sentiment, created_at in session.execute(stmt):
        name = phrases.segment_of(text, is_fan)
        counts[name] += 1
        if sentiment != "negative":
            continue
        negatives[name] += 1
        if since is None or created_at > since:
            demands[name].update(phrases.demands_in(text))
    order = phrases.demand_order
    return [
        Segment(name, counts[name], negatives[name], _top(demands[name], order))
        for name in SEGMENT_ORDER
        if counts[name]
    ]


def _top(counts: Counter[str], order: dict[str, int]) -> list[tuple[str, int]]:
    """The most named demands, ties in the phrase book's order."""
    return sorted(counts.items(), key=lambda item: (-item[1], order.get(item[0], len(order))))[:TOP_DEMANDS]


def keywords(session: Session, window: Window, phrases: Phrases, *, limit: int = TOP_KEYWORDS) -> list[tuple[str, int]]:
    """The complaint keywords: the words most negative comments use, (word, comments naming it), from the words
    cut at import (each distinct word list read once: a text posted 300 times counts 300); a comment stored
    before words were kept is cut here."""
    negative = [*window.conditions(), _C.sentiment == "negative"]
    stored = sa.select(_C.words, sa.func.count()).where(*negative, _C.words.is_not(None)).group_by(_C.words)
    uncut = sa.select(_C.text, sa.func.count()).where(*negative, _C.words.is_(None)).group_by(_C.text)
    return keyword_counter.top_words(
        session.execute(stored).all(),
        session.execute(uncut).all(),
        phrases.stop_words,
        limit=limit,
        words=phrases.book.words,
    )


@dataclass(frozen=True)
class Public:
    """Everything the retro and /舆情 show of the imported comments."""

    overview: Overview
    buckets: list[Bucket]
    points: list[ImportPoint]
    keywords: list[tuple[str, int]]
    segments: list[Segment]


def public(
    session: Session,
    incident_id: int,
    phrases: Phrases,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    open_since: datetime | None = None,
) -> Public | None:
    """The public's side of an incident, None when no comment was imported. Totals, keywords and segments count
    every public comment of the incident; the buckets and points only those in [since, until] (the incident's
    window)."""
    everything = Window(incident_id)
    summary = overview(session, everything)
    if summary.total == 0:
        return None
    found = buckets(session, Window(incident_id, since, until))
    return Public(
        overview=summary,
        buckets=found,
        points=import_points(found),
        keywords=keywords(session, everything, phrases),
        segments=segments(session, everything, phrases, open_since=open_since),
    )
