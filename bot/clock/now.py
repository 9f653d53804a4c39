"""UTC-aware time helpers: store UTC, show in BOT_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def from_millis(value: str | int | None) -> datetime | None:
    """Feishu sends `create_time` as a string of milliseconds since the epoch."""
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def as_utc(value: datetime) -> datetime:
    """Naive datetimes coming back from the DB are UTC by construction."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, tz: ZoneInfo) -> datetime:
    return as_utc(value).astimezone(tz)
