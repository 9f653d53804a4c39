"""The comments of bench/retro.py's incident, imported for real: a MediaCrawler Xiaohongshu export whose negative
share follows the bench's curve (`negative_level`), read, classified (`bot.sentiment`) and stored by
`bot.comments.flows.import_comments`, the importer every way in uses. The retro then reads them as it would after a
team's import: totals, per-platform and emotion aggregates, 30-minute buckets (the import points of the negative
series), complaint keywords and user segments.

Every comment is a distinct text (an opening, a complaint or a calm remark, and a floor number), the worst case for
the keyword and segment readers, which read each distinct text."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from bench import mediacrawler
from bot.comments import analysis, flows
from bot.config import Settings
from bot.incidents.models import Incident

OPENINGS = ("用了三天", "刚拆封", "敏感肌", "第二次回购", "看到笔记", "朋友推荐", "直播间买的", "老粉了")
NEGATIVE = (
    "脸上全是红疹，要求退款！",
    "用完烂脸了，太失望了",
    "说好的敏感肌可用呢，被骗了",
    "客服一直不回，必须给个说法",
    "过敏了一晚上，坐等检测报告",
    "智商税，再也不买了",
    "踩雷了，要求赔偿",
)
CALM = (
    "用着挺好的，还会回购",
    "完全没问题，挺温和的",
    "坐等官方后续",
    "看了博主实测，放心了",
    "想买，等结果出来再说",
)


def export(count: int, *, start: datetime, duration: timedelta, level: Callable[[float], float], seed: int) -> bytes:
    """`count` comments spread evenly over [start, start + duration), each negative with probability
    `level(hours since start)`, as the export's UTF-8 bytes."""
    rng = random.Random(seed)
    step = duration / max(count, 1)
    start_ms = int(start.timestamp() * 1000)
    rows = []
    for n in range(count):
        at = start + step * n + timedelta(seconds=rng.uniform(0, step.total_seconds()))
        hours = (at - start).total_seconds() / 3600
        pool = NEGATIVE if rng.random() < level(hours) else CALM
        rows.append(
            mediacrawler.xhs_row(
                comment_id=f"r{seed}_{n:07d}",
                at_ms=int(at.timestamp() * 1000),
                text=f"{rng.choice(OPENINGS)}，{rng.choice(pool)}（{n}楼）",
                user=n % 60_000,
                likes=rng.randrange(300),
                modified_ms=start_ms + int(duration.total_seconds() * 1000),
            )
        )
    return mediacrawler.xhs_csv(rows).encode("utf-8")


def import_into(engine: sa.Engine, incident_id: int, data: bytes, *, now: datetime) -> flows.Summary:
    """The real import of `data` into the incident, committed (as `crisisbot import` does it)."""
    settings = Settings(_env_file=None, database_url=str(engine.url), import_max_mb=500)
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        summary = flows.import_comments(
            session, incident, data, name="bench_xhs_comments.csv", source="cli", settings=settings, now=now
        )
        session.commit()
    return summary


def expected_points(engine: sa.Engine, incident_id: int, since: datetime, until: datetime) -> int:
    """The import points the retro's series must carry, counted here in Python from the stored times (not through
    `bot.comments.analysis`): 30-minute buckets aligned to the epoch, within [since, until], with at least
    MIN_BUCKET public comments."""
    from bot.comments.models import Comment

    c = Comment.__table__.c
    stmt = sa.select(c.created_at).where(c.incident_id == incident_id, sa.not_(c.is_brand))
    seconds = int(analysis.BUCKET.total_seconds())
    buckets: Counter[int] = Counter()
    with engine.connect() as conn:
        for (at,) in conn.execute(stmt):
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            if since <= at <= until:
                buckets[int(at.timestamp()) // seconds] += 1
    return sum(1 for n in buckets.values() if n >= analysis.MIN_BUCKET)
