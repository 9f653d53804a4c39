#!/usr/bin/env python
"""Fault suite (issue 15): signed, encrypted Feishu events through the real app while things break, then the proof
that no acknowledged event was lost, none processed twice, no reply shown twice, and each chat's replies came in
the order the bot accepted its events.

Scenarios, each on its own database (bench/README.md says what each one does): ``redelivery`` (every event three
times), ``sigkill`` (a real ``crisisbot serve`` killed mid-burst after N acks, ``--kill-at``, and restarted),
``outage_45s`` / ``outage_2h`` (Open API 500 then 429 on a movable clock), ``db_locked`` / ``db_readonly`` /
``db_full`` (SQLite refusing writes mid-burst), ``replicas`` (two processes on one PostgreSQL, ``--database-url``).

    python bench/faults.py                                  # full sizes, every scenario that applies
    python bench/faults.py --only sigkill,outage_2h
    python bench/faults.py --database-url postgresql://postgres@127.0.0.1:5432/scratch   # adds `replicas`

Prints one line per scenario; exits 1 on any loss, duplicate or disorder (tests/faults/: the same, small).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fault_driver import (  # noqa: E402
    Delivery,
    Feishu,
    InProcessBot,
    RunningClock,
    check,
    idle,
    let_outbox_try,
    message_chats,
    problems_of,
    replies_seen,
    sqlite_fault,
    start_fake,
    wait_for,
)
from bench.webhook import build_events, start_app  # noqa: E402

HELP_EVERY = 5  # every fifth event is a /help: 20 % of the events expect exactly one reply
RATE_LIMITED = 99991400  # Feishu's "too many requests" code (HTTP 429)


@dataclass(frozen=True)
class Sizes:
    events: int  # events per scenario
    chats: int  # the chats they are spread over
    concurrency: int  # requests Feishu has in flight
    kill_at: tuple[int, ...]  # sigkill: a SIGKILL each time this many events have been acknowledged in all
    fault_s: float  # how long a database fault lasts at least (real seconds)
    lock_s: float  # how long the write lock is held (past the bot's 30 s busy timeout in the full run)
    settle_s: float = 120.0  # how long to wait for the queues to drain


FULL = Sizes(events=500, chats=12, concurrency=8, kill_at=(250, 300, 400), fault_s=10.0, lock_s=35.0)
CI = Sizes(events=40, chats=4, concurrency=4, kill_at=(15,), fault_s=0.5, lock_s=3.5, settle_s=60.0)


@dataclass
class Suite:
    fake: Any  # bench.webhook's SlowFakeFeishu, started
    workdir: Path
    sizes: Sizes
    database: Callable[[str], str]  # scenario name → a fresh database URL
    postgres: Callable[[str], str] | None = None  # scenario name → a fresh PostgreSQL URL (replicas)
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
    say: Callable[[str], None] = lambda text: None

    def sqlite(self, name: str) -> str:
        return f"sqlite:///{self.dir(name) / 'crisisbot.db'}"

    def dir(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Result:
    name: str
    found: dict[str, Any]
    delivery: Delivery
    seconds: float
    notes: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        f, d = self.found, self.delivery
        refused = ", ".join(f"{k}×{v}" for k, v in sorted(d.refused.items())) or "none"
        parts = [
            f"{self.name:<12} {'OK' if self.ok else 'FAILED':<6} events {f['events_stored']}/{f['events_sent']} stored "
            f"once (missing {f['events_missing']}, twice {f['events_stored_twice']}), inbox {dict(f['inbox_status'])}",
            f"/help answered once {f['help_replied_once']}/{f['help_sent']} (missing {f['help_missing_reply']}, "
            f"twice {f['help_replied_twice']})",
            f"chats out of order {len(f['chats_out_of_order'])} of {f['chats_with_replies']}, sends to one chat in "
            f"flight together {f['concurrent_sends_same_chat']}",
            f"failed sends retried {f['failed_send_attempts']}, sends repeated under their uuid "
            f"{f['sends_repeated_same_uuid']}, events retried {f['inbox_retried']}, "
            f"网络恢复 notices {f['delay_notices']}",
            f"requests {d.requests}, acks {d.acked}, not acknowledged and redelivered: {refused}",
            f"{self.seconds:.1f}s",
            *(f"{k} {v}" for k, v in self.notes.items()),
        ]
        return "; ".join(parts) + "".join(f"\n    PROBLEM: {p}" for p in self.problems)


def _events(suite: Suite, tag: str, n: int | None = None, seed: int = 1):
    prefix = f"{suite.run_id}{tag}"
    n = suite.sizes.events if n is None else n
    batch = build_events(prefix, n, help_every=HELP_EVERY, chats=suite.sizes.chats, seed=seed)
    suite.fake.known_chats.update(message_chats(batch))  # replies name the message they answer, not the chat
    return prefix, batch


def _settle(url: str, suite: Suite, batch) -> None:
    """Wait until the inbox and outbox are empty and every /help has its reply (nothing more can be sent then)."""
    wait_for(lambda: idle(url) and replies_seen(suite.fake, batch), suite.sizes.settle_s, "the queues to drain")


def _result(name: str, suite: Suite, db_url: str, prefix: str, batch, delivery: Delivery, started: float, **notes):
    found = check(db_url, prefix, batch, suite.fake)
    result = Result(name, found, delivery, time.monotonic() - started, notes)
    result.problems = problems_of(found, delivery)
    return result


# ----- scenarios --------------------------------------------------------------------------------------


def redelivery(suite: Suite) -> Result:
    started, db_url = time.monotonic(), suite.database("redelivery")
    prefix, batch = _events(suite, "r")
    bot = InProcessBot(db_url, suite.fake)
    with bot.serving():
        feishu = Feishu(lambda: bot.url, concurrency=suite.sizes.concurrency)
        delivery = feishu.send(batch.bodies, copies=3).wait()
        _settle(bot.url, suite, batch)
    return _result("redelivery", suite, db_url, prefix, batch, delivery, started)


def sigkill(suite: Suite) -> Result:
    started, db_url = time.monotonic(), suite.database("sigkill")
    prefix, batch = _events(suite, "k")
    lives = [start_app(suite.dir("sigkill/life0"), suite.fake, db_url)]
    killed_at = []
    try:
        feishu = Feishu(lambda: lives[-1].url, concurrency=suite.sizes.concurrency).send(batch.bodies)
        for n, at in enumerate(suite.sizes.kill_at, start=1):
            wait_for(lambda at=at: feishu.acked >= at, suite.sizes.settle_s, f"{at} acknowledgements", 0.002)
            os.kill(lives[-1].proc.pid, signal.SIGKILL)
            lives[-1].proc.wait(10)
            killed_at.append(feishu.acked)
            suite.say(f"sigkill: killed at {killed_at[-1]} acks, restarting")
            lives.append(start_app(suite.dir(f"sigkill/life{n}"), suite.fake, db_url))
        delivery = feishu.wait()
        _settle(lives[-1].url, suite, batch)
    finally:
        lives[-1].stop()
    return _result("sigkill", suite, db_url, prefix, batch, delivery, started, killed_at_acks=killed_at)


def outage(suite: Suite, seconds: float, name: str) -> Result:
    """The Open API fails every send for `seconds` of the bot's clock: 500 for the first half, then 429."""
    started, db_url = time.monotonic(), suite.database(name)
    prefix, batch = _events(suite, "o" + name[-2:])
    half = len(batch.bodies) // 2
    clock = RunningClock()
    bot = InProcessBot(db_url, suite.fake, clock=clock)
    step = min(300.0, max(5.0, seconds / 12))  # 300 s: the outbox's retry cap (OUTBOX_RETRY_CAP_SECONDS)
    health = Counter()
    suite.fake.fail_next(10**7, status=500)
    try:
        with bot.serving():
            feishu = Feishu(lambda: bot.url, concurrency=suite.sizes.concurrency)
            feishu.send(batch.bodies[:half]).wait()
            elapsed = 0.0
            while elapsed < seconds:
                if elapsed >= seconds / 2 and half:  # second half: rate limited, and more events arrive
                    suite.fake.recover()
                    suite.fake.fail_with_code(10**7, RATE_LIMITED)
                    feishu.send(batch.bodies[half:]).wait()
                    half = 0
                let_outbox_try(bot, suite.sizes.settle_s)
                health[bot.health()["http"]] += 1
                clock.advance(seconds=step)
                elapsed += step
            suite.fake.recover()
            clock.advance(seconds=step)  # the next retry of every chat is due
            bot.runtime.outbox_worker.wake()
            _settle(bot.url, suite, batch)
            delivery = feishu.wait()
    finally:
        suite.fake.recover()
    result = _result(name, suite, db_url, prefix, batch, delivery, started, healthz_during_outage=dict(health))
    if not result.found["failed_send_attempts"]:
        result.problems.append("the outage never made a send fail")
    return result


def db_fault(suite: Suite, kind: str) -> Result:
    """Mid-burst the SQLite database refuses writes (`kind`): replies of the first events are still being sent
    (slow sends), the next events are stored but not processed yet (processing held, then let go into the fault),
    and the rest arrive during the fault; then it is lifted."""
    name = f"db_{kind}"
    started, db_url = time.monotonic(), suite.sqlite(name)  # SQLite's faults, whatever --database-url says
    prefix, batch = _events(suite, name[3:5])
    sixth = len(batch.bodies) // 6
    hold = suite.sizes.lock_s if kind == "locked" else suite.sizes.fault_s
    bot = InProcessBot(db_url, suite.fake)
    health = Counter()
    suite.fake.send_delay = 0.2
    try:
        with bot.serving():
            feishu = Feishu(lambda: bot.url, concurrency=suite.sizes.concurrency)
            feishu.send(batch.bodies[:sixth]).wait()
            wait_for(lambda: not bot.health()["inbox"].get("pending"), suite.sizes.settle_s, "the first events handled")
            bot.runtime.settings.processing_paused = True  # read on each pass of the inbox worker
            feishu.send(batch.bodies[sixth : 2 * sixth]).wait()
            with sqlite_fault(bot.runtime.engine, kind):
                until = time.monotonic() + hold
                bot.runtime.settings.processing_paused = False
                bot.runtime.inbox_worker.wake()
                feishu.send(batch.bodies[2 * sixth :])
                wait_for(lambda: feishu.refused > 0, suite.sizes.settle_s, "Feishu to see a refusal")
                health[bot.health()["http"]] += 1
                wait_for(lambda: time.monotonic() >= until, hold + 1, "the end of the fault")
            suite.fake.send_delay = 0.0
            delivery = feishu.wait()
            _settle(bot.url, suite, batch)
    finally:
        suite.fake.send_delay = 0.0
    return _result(name, suite, db_url, prefix, batch, delivery, started, healthz_during_fault=dict(health))


def replicas(suite: Suite) -> Result:
    """Two processes on one PostgreSQL behind a load balancer, every event delivered twice. First half: slow sends
    (300 ms), so chats have a backlog both outboxes work on; then fast sends, and one replica is SIGKILLed."""
    assert suite.postgres is not None, "replicas needs PostgreSQL (--database-url)"
    started, db_url = time.monotonic(), suite.postgres("replicas")
    prefix, batch = _events(suite, "p")
    half = len(batch.bodies) // 2
    first_help = {m for m in batch.help_message_ids if int(m.rsplit("_", 1)[1]) < half}
    servers = [start_app(suite.dir("replicas/a"), suite.fake, db_url)]  # the first start migrates the database
    servers.append(start_app(suite.dir("replicas/b"), suite.fake, db_url))
    live = list(servers)
    rng = random.Random(7)
    try:
        feishu = Feishu(lambda: rng.choice(live).url, concurrency=suite.sizes.concurrency)
        suite.fake.send_delay = 0.3
        feishu.send(batch.bodies[:half], copies=2).wait()
        wait_for(lambda: first_help <= {m.get("reply_to") for m in suite.fake.sent_messages}, 120, "first replies")
        suite.fake.send_delay = 0.0
        overlaps = Counter(suite.fake.overlaps)  # a dead replica's last request may still be in flight: not counted
        feishu.send(batch.bodies[half:], copies=2)
        wait_for(lambda: feishu.acked >= 3 * half, suite.sizes.settle_s, "half of the second half acknowledged")
        os.kill(servers[0].proc.pid, signal.SIGKILL)
        live.remove(servers[0])  # the load balancer's health check takes it out
        servers[0].proc.wait(10)
        killed_at = feishu.acked
        delivery = feishu.wait()
        _settle(servers[1].url, suite, batch)
    finally:
        suite.fake.send_delay = 0.0
        for server in servers:
            server.stop()
    around_kill = sum(suite.fake.overlaps.values()) - sum(overlaps.values())
    suite.fake.overlaps.clear()
    suite.fake.overlaps.update(overlaps)
    return _result(
        "replicas",
        suite,
        db_url,
        prefix,
        batch,
        delivery,
        started,
        killed_replica_at_acks=killed_at,
        sends_in_flight_together_around_the_kill=around_kill,
    )


SCENARIOS: dict[str, Callable[[Suite], Result]] = {
    "redelivery": redelivery,
    "sigkill": sigkill,
    "outage_45s": lambda suite: outage(suite, 45, "outage_45s"),
    "outage_2h": lambda suite: outage(suite, 2 * 3600, "outage_2h"),
    "db_locked": lambda suite: db_fault(suite, "locked"),
    "db_readonly": lambda suite: db_fault(suite, "readonly"),
    "db_full": lambda suite: db_fault(suite, "full"),
    "replicas": replicas,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help=f"comma list of: {', '.join(SCENARIOS)}")
    parser.add_argument("--events", type=int, default=FULL.events, help=f"events per scenario ({FULL.events})")
    parser.add_argument("--kill-at", default=",".join(map(str, FULL.kill_at)), help="sigkill: acks at each kill")
    parser.add_argument("--lock-seconds", type=float, default=FULL.lock_s, help="db_locked: lock held (s)")
    parser.add_argument("--database-url", default="", help="PostgreSQL: a throwaway schema per scenario there")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite files, schemas)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    kill_at = tuple(int(x) for x in args.kill_at.split(",") if x.strip())
    if kill_at and (max(kill_at) >= args.events or list(kill_at) != sorted(kill_at)):
        parser.error("--kill-at: rising numbers below --events")
    names = [n.strip() for n in args.only.split(",") if n.strip()] or [
        n for n in SCENARIOS if n != "replicas" or args.database_url
    ]
    if unknown := set(names) - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if "replicas" in names and not args.database_url:
        parser.error("replicas needs --database-url (PostgreSQL)")

    from bench.retro import postgres_database

    workdir = Path(tempfile.mkdtemp(prefix="crisisbot-faults-"))
    _log_to(workdir / "bot.log")
    cleanups: list[Callable[[], None]] = []

    def postgres(name: str) -> str:
        database = postgres_database(args.database_url, args.keep)
        cleanups.append(database.cleanup)
        return database.url

    fake = start_fake()
    sizes = replace(FULL, events=args.events, kill_at=kill_at, lock_s=args.lock_seconds)
    suite = Suite(fake, workdir, sizes, database=str, say=_stderr)
    suite.database = postgres if args.database_url else suite.sqlite
    suite.postgres = postgres if args.database_url else None
    results: list[Result] = []
    try:
        for name in names:
            _stderr(f"{name} …")
            results.append(SCENARIOS[name](suite))
            _stderr(results[-1].line())
    finally:
        fake.stop()
        for cleanup in cleanups:
            cleanup()
        failed = not results or any(not r.ok for r in results) or len(results) < len(names)
        if args.keep or failed:
            _stderr(f"logs and databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        rows = [{"scenario": r.name, "ok": r.ok, "problems": r.problems, **r.found, **r.notes} for r in results]
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    else:
        print(
            f"crisis-retro-bot fault suite — {sizes.events} events per scenario over {sizes.chats} chats, "
            f"{os.cpu_count()} CPUs"
        )
        for result in results:
            print(result.line())
        print("verdict:", "FAILED" if failed else "OK (no loss, no duplicate, in order)")
    return 1 if failed else 0


def _log_to(path: Path) -> None:
    """The in-process bots' log (and lark-oapi's, which prints to stdout) into a file: the refusals and tracebacks
    the faults cause are expected and would bury the results."""
    import logging

    import lark_oapi  # noqa: F401  (adds its stdout handler on import: import first, then take it away)

    logging.basicConfig(filename=path, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lark = logging.getLogger("Lark")
    lark.handlers.clear()
    lark.propagate = True


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
