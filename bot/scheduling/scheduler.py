"""APScheduler decides only *when* to look: the sweep reads what is due from the DB."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)
SWEEP_JOB = "sweep"
FOLLOWUP_JOB = "followup"


class Scheduler:
    def __init__(self, sweep: Callable[[], None], *, interval_seconds: float, timezone) -> None:
        self._sweep = sweep
        self._scheduler = BackgroundScheduler(timezone=timezone)
        self._scheduler.add_job(
            sweep,
            "interval",
            seconds=interval_seconds,
            id=SWEEP_JOB,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(timezone),
        )

    def start(self) -> None:
        self._scheduler.start()

    def sweep_soon(self) -> None:
        """Run the sweep now (e.g. an incident just opened or changed level)."""
        if self._scheduler.running:
            self._scheduler.modify_job(SWEEP_JOB, next_run_time=datetime.now(self._scheduler.timezone))

    def wake_at(self, when: datetime) -> None:
        """Also sweep at `when`: the next quarterly review or drill reminder, on the second."""
        if self._scheduler.running:
            self._scheduler.add_job(
                self._sweep, "date", run_date=when, id=FOLLOWUP_JOB, replace_existing=True, misfire_grace_time=None
            )

    def next_wake(self) -> datetime | None:
        job = self._scheduler.get_job(FOLLOWUP_JOB)
        return job.next_run_time if job else None

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
