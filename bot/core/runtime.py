"""The running bot: DB, router, transport adapters, messenger and the two workers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock.now import utcnow
from bot.config import Settings
from bot.core import inbox, outbox
from bot.core.ackgate import AckGate
from bot.core.llm import LLM
from bot.core.messenger import ChatReader, Messenger
from bot.core.processing import Adapter, Processor
from bot.core.ratelimit import SharedSendRate
from bot.core.router import Router
from bot.core.workers import Worker
from bot.followups import flows as followups
from bot.followups import task_sync
from bot.followups.task_mirror import TaskMirror
from bot.scheduling import sweep
from bot.scheduling.scheduler import Scheduler
from bot.timeline import evidence, refine

log = logging.getLogger(__name__)
FOLLOW_SECONDS = 0.25  # the sweep and the evidence, refine and tasks workers follow processing this often at most


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    router: Router
    adapters: Mapping[str, Adapter]
    messenger: Messenger
    reader: ChatReader | None = None
    llm: LLM | None = None
    tasks: TaskMirror | None = None  # FEISHU_TASKS=on: action items mirrored in the task app
    now_fn: Callable = utcnow
    wall_fn: Callable = utcnow  # real time: when failed sends are due again and how long they have waited
    # Set when the workers run in a forked worker process (bot.core.worker_process): wakes go there.
    remote: Callable[[str], None] | None = None
    acks: AckGate = field(init=False)
    processor: Processor = field(init=False)
    inbox_worker: Worker = field(init=False)
    outbox_worker: Worker = field(init=False)
    evidence_worker: Worker = field(init=False)
    refine_worker: Worker = field(init=False)
    tasks_worker: Worker = field(init=False)
    scheduler: Scheduler = field(init=False)
    rate: SharedSendRate = field(init=False)
    send_pool: ThreadPoolExecutor = field(init=False)
    _sweeping: threading.Lock = field(init=False, default_factory=threading.Lock)
    _followers_due: bool = field(init=False, default=False)
    _followed_at: float = field(init=False, default=float("-inf"))

    def __post_init__(self) -> None:
        self.acks = AckGate()
        self.processor = Processor(
            self.engine,
            self.settings,
            self.router,
            self.adapters,
            self.now_fn,
            before_each=self.acks.wait_for_acks,
            reader=self.reader,
            llm=self.llm,
        )
        self.rate = SharedSendRate(self.engine, per_chat=self.settings.chat_send_qps)  # shared by all processes
        self.send_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="send")
        self.inbox_worker = Worker("inbox", self._inbox_pass)
        self.outbox_worker = Worker("outbox", self._outbox_pass)
        self.evidence_worker = Worker("evidence", self._evidence_pass, idle=2.0)
        self.refine_worker = Worker("refine", self._refine_pass, idle=5.0)
        self.tasks_worker = Worker("tasks", self._tasks_pass, idle=30.0)
        self.scheduler = Scheduler(
            self.sweep, interval_seconds=self.settings.sweep_interval_seconds, timezone=self.settings.tz
        )

    def record(self, source: str, keys: inbox.EventKeys, payload: dict[str, Any]) -> bool:
        """Persist an inbound event (durable on return) and wake the processor."""
        with self.acks.storing():
            stored = inbox.record(
                self.engine, source=source, keys=keys, payload=payload, synchronous=self.settings.inbox_synchronous
            )
        if stored:
            self.wake("inbox")
        return stored

    def wake(self, what: str) -> None:
        """Wake the `inbox` or `outbox` pass, wherever the workers run."""
        if self.remote is not None:
            self.remote(what)
        else:
            self.wake_here(what)

    def wake_here(self, what: str) -> None:
        {"inbox": self.inbox_worker, "outbox": self.outbox_worker}[what].wake()

    def _inbox_pass(self) -> float | None:
        if self.settings.processing_paused:
            return None
        batch = 100
        done = self.processor.process_due(limit=batch, stop=lambda: self.inbox_worker.stopping)
        if done:
            self.outbox_worker.wake()
            self._followers_due = True
        pause = 0 if done >= batch else None
        if self._followers_due:
            # The sweep and the slower workers follow processing at most every FOLLOW_SECONDS: woken after every
            # pass, a steady stream of events kept the sweep running back to back (a sixth of the CPU at 200/s).
            wait = self._followed_at + FOLLOW_SECONDS - time.monotonic()
            if wait > 0:
                return 0 if pause == 0 else wait
            self._followers_due = False
            self._followed_at = time.monotonic()
            self.evidence_worker.wake()
            self.refine_worker.wake()
            self.tasks_worker.wake()
            self.scheduler.sweep_soon()
        return pause

    def _outbox_pass(self) -> float | None:
        result = outbox.deliver_due(
            self.engine,
            self.messenger,
            rate=self.rate,
            policy=self.retry_policy,
            now_fn=self.wall_fn,
            pool=self.send_pool,
        )
        return result.wait

    @property
    def retry_policy(self) -> outbox.RetryPolicy:
        settings = self.settings
        return outbox.RetryPolicy(
            max_attempts=settings.outbox_max_attempts,
            base=settings.outbox_retry_base_seconds,
            cap=settings.outbox_retry_cap_seconds,
            horizon=timedelta(hours=settings.outbox_retry_hours),
            late=timedelta(seconds=settings.outbox_delay_notice_seconds),
        )

    def _evidence_pass(self) -> float | None:
        if self.reader is None:
            return None
        return evidence.fetch_due(self.engine, self.reader, now=self.now_fn())

    def _refine_pass(self) -> float | None:
        if self.llm is None:
            return None
        looked = refine.refine_due(self.engine, self.llm)
        return 0 if looked else None

    def _tasks_pass(self) -> float | None:
        if self.tasks is None:
            return None
        wait = task_sync.sync_due(self.engine, self.tasks, self.settings, now=self.now_fn())
        self.outbox_worker.wake()  # a completion read back, a refusal told
        return wait

    def sweep(self) -> int:
        """Queue the step prompts, reminders, escalations and follow-ups that are due now. One at a time in this
        process (the interval job and the follow-up wake-up may fire together)."""
        with self._sweeping:
            try:
                queued = sweep.sweep(self.engine, self.settings, now=self.now_fn())
            except Exception:
                log.exception("sweep failed; the next one tries again")
                queued = 0
            if queued:
                self.outbox_worker.wake()
            self.tasks_worker.wake()  # the periodic read of mirrored tasks rides on the sweep's clock
            if self.reader is not None:
                try:
                    sweep.refresh_names(self.engine, self.reader, now=self.now_fn())
                except Exception:
                    log.exception("member names refresh failed; the next sweep tries again")
            self._plan_followup()
            return queued

    def _plan_followup(self) -> None:
        """Wake the scheduler exactly when the next review or drill reminder is due (business clock → wall)."""
        try:
            with Session(self.engine) as session:
                moment = followups.next_moment(session, self.settings, self.now_fn())
        except Exception:
            log.exception("could not plan the next follow-up; the regular sweep still finds it")
            return
        if moment is not None:
            self.scheduler.wake_at(utcnow() + (moment - self.now_fn()))

    @property
    def workers(self) -> tuple[Worker, ...]:
        return (self.inbox_worker, self.outbox_worker, self.evidence_worker, self.refine_worker, self.tasks_worker)

    def start(self) -> None:
        for worker in self.workers:
            worker.start()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        for worker in self.workers:
            worker.stop()
        self.send_pool.shutdown(wait=True, cancel_futures=True)
