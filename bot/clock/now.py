"""The one clock and UTC helpers: `utcnow` is the default of the injectable clock (Runtime's `now_fn`);
domain code takes `now=` from its caller instead of reading the time itself. Store UTC, show in
BOT_TIMEZONE (formatting lives in `bot.clock.format`)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The real time, UTC-aware: only the composition root and transports read it."""
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
