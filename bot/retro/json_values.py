"""How the retro JSON writes its values: times ISO 8601 in the display zone to the second, durations in minutes
(int when whole to 0.1 minute), ratios as fractions to 4 decimals, counts as ints when whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from bot.clock.now import as_utc


@dataclass(frozen=True)
class IsoClock:
    tz: ZoneInfo

    def iso(self, at: datetime) -> str:
        return as_utc(at).astimezone(self.tz).isoformat(timespec="seconds")


def minutes_between(start: datetime, end: datetime) -> int | float:
    """Minutes from `start` to `end`: an int when whole (to 0.1 minute), else one decimal."""
    return rounded_minutes((as_utc(end) - as_utc(start)).total_seconds() / 60)


def rounded_minutes(minutes: float) -> int | float:
    """Minutes rounded to 0.1: an int when whole, else one decimal."""
    value = round(float(minutes), 1)
    return int(value) if value.is_integer() else value


def series_points(negative: Sequence[Row], tz: ZoneInfo) -> list[dict]:
    """The negative-share series of the JSON, a point per sample: with 200,000 samples this loop is the floor of
    `compute`, so it is `IsoClock.iso` and `ratio` inlined — the times come UTC-aware from the DB (no as_utc), and
    one astimezone per point is as fast as an offset cache (and right across DST changes)."""
    return [
        {
            "at": at.astimezone(tz).isoformat(timespec="seconds"),
            "value": round(float(value), 4),
            "source": "import" if source == "import" else "message",
        }
        for at, value, source in negative
    ]


def ratio(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def count(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def number(sample: Row) -> str:
    """A sample's value as the JSON writes it (a ratio or a count)."""
    return str(ratio(sample.value) if sample.metric in ("negative_ratio", "sales_change") else count(sample.value))


def percent(value: float) -> str:
    return f"{round(value * 100, 1):g}%"
