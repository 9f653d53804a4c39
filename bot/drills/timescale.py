"""Scenario time and real time: a drill at speed 10 plays ten scenario minutes in one real minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock.now import as_utc
from bot.drills.models import DrillRun


def inject_time(run: DrillRun, at_minutes: float) -> datetime:
    """The real time of a scenario offset: the drill start + offset / speed."""
    return as_utc(run.started_at) + timedelta(minutes=at_minutes / (run.speed or 1.0))


def scenario_minutes(run: DrillRun, at: datetime) -> int | float:
    """Scenario minutes from the drill start to `at` (real minutes × speed), to 0.1; an int when whole."""
    value = round((as_utc(at) - as_utc(run.started_at)).total_seconds() / 60 * (run.speed or 1.0), 1)
    return int(value) if value.is_integer() else value
