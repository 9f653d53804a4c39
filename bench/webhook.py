#!/usr/bin/env python
"""Webhook ack benchmark: signed + encrypted Feishu events against the running app on loopback.

What it does, per phase:

1. starts the fake Feishu Open API (in this process) so the bot's replies have somewhere to go;
2. starts a bare FastAPI endpoint (``POST /feishu/events`` → ``{"msg": "success"}``) as a separate
   process with the same uvicorn settings as ``crisisbot serve``, and measures it;
3. starts the real app (``python -m bot serve``) as a separate process in webhook mode, and sends
   it the same kind of load: N distinct ``im.message.receive_v1`` events, encrypted with AES and
   signed as Feishu does (bodies are encrypted before timing; the signature is computed just before
   each request so timestamps stay inside the app's replay window however long the run is);
4. after the load, waits until the inbox and the outbox drained, and verifies that every event was
   stored exactly once and every ``/help`` got exactly one reply at the fake.

Phase ``normal`` uses a fast fake; phase ``slow`` delays every message send at the fake
(``--slow-send-ms``, default 200 ms), so the outbox is busy for the whole run while acks are measured.
``--synchronous full,normal`` runs the app once per SQLite setting of the inbox commit (INBOX_SYNCHRONOUS) in
each phase, against the same bare measurement: what the fsync before each ack costs. ``--worker-process on,off``
likewise runs it with processing in the forked worker process and in the serving process (WORKER_PROCESS).

    python bench/webhook.py                      # 2000 events, concurrency 16, both phases
    python bench/webhook.py --events 300 --json  # machine-readable results
    python bench/webhook.py --database-url postgresql://user:pw@127.0.0.1/bench

Exit status 1 when an event was lost or duplicated, a /help reply is missing or doubled, a request
failed, the queues did not drain, or the app's ack p99 exceeds ``--p99-budget-ms``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Module level on purpose: with postponed annotations FastAPI resolves `request: Request`
# against the module's globals.
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FEISHU_ACK_LIMIT_MS = 3000.0
ENCRYPT_KEY = "bench-encrypt-key"
VERIFICATION_TOKEN = "bench-vtoken"
LOOPBACK = "127.0.0.1"

ORDINARY_TEXTS = (
    "小红书那篇吐槽笔记的阅读量已经到 120 万了",
    "客服这边今天上午投诉量明显上来了，主要是问退款",
    "微博也开始有人转发了，带了话题",
    "质检报告下午三点前能出来吗？",
    "评论区负面占比大概 35%",
    "市场这边在联系几位博主，先别发声明",
    "09:10 抖音出现了搬运视频",
    "收到，我去跟一下",
    "这条笔记的作者已经私信我们了",
    "运营同步一下：点赞 3.2 万，评论 4800",
    "好的👌",
    "先统一口径，客服话术我来改",
)
HELP_TEXTS = ("/help", "/帮助")


# ----- the bare endpoint (its own process) ---------------------------------------------------


def bare_app() -> FastAPI:
    """The least a FastAPI webhook can do: read the body, answer success."""
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.post("/feishu/events")
    async def events(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"msg": "success"})

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


def serve_bare(port: int) -> None:
    import logging

    import uvicorn

    # Same uvicorn call and log setup as `crisisbot serve` (bot/cli.py), so only the app differs.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(bare_app(), host=LOOPBACK, port=port, log_level="info")


# ----- the fake Open API with a send delay ---------------------------------------------------


def slow_fake_class():
    from tests.fakes.feishu_openapi import FakeFeishu

    class SlowFakeFeishu(FakeFeishu):
        """FakeFeishu whose message sends (POST /open-apis/im/v1/messages…) take `send_delay` s."""

        send_delay: float = 0.0

        def _dispatch(self, call):  # wraps the fake's request dispatch; tests/fakes stays untouched
            if self.send_delay > 0 and call.method == "POST" and call.path.startswith("/open-apis/im/v1/messages"):
                time.sleep(self.send_delay)
            return super()._dispatch(call)

    return SlowFakeFeishu


# ----- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _clean_env() -> dict[str, str]:
    """The caller's environment minus anything that could reconfigure the app."""
    prefixes = (
        "FEISHU_",
        "OPENAI_",
        "DATABASE_URL",
        "BOT_",
        "PLAYBOOK_",
        "PUBLIC_BASE_URL",
        "REPORT_",
        "ALLOWED_CHAT_IDS",
        "PROCESSING_",
        "INBOX_",
        "OUTBOX_",
        "WEBHOOK_",
        "CHAT_SEND_",
        "WORKER_PROCESS",
    )
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(prefixes)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_process(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, port: int, timeout: float = 60.0
) -> Server:
    import httpx

    log_path = workdir / f"{name}.log"
    log_file = open(log_path, "wb")  # a file, never a pipe: a full pipe would stall the server
    # cwd is the temp dir: no stray .env or ./crisisbot.db from the repo gets picked up.
    proc = subprocess.Popen(
        argv, cwd=workdir, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    log_file.close()
    server = Server(name, proc, f"http://{LOOPBACK}:{port}", log_path)
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(timeout=2) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.log_tail()}")
                try:
                    if client.get(f"{server.url}/healthz").status_code == 200:
                        return server
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer /healthz within {timeout:.0f}s:\n{server.log_tail()}")
                time.sleep(0.1)
    except BaseException:
        server.stop()
        raise


def start_bare(workdir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, str(Path(__file__).resolve()), "--bare-server", str(port)]
    return start_process("bare", argv, _clean_env(), workdir, port)


def start_app(workdir: Path, fake, database_url: str, synchronous: str = "full", worker: str = "on") -> Server:
    port = free_port()
    env = _clean_env()
    env.update(
        FEISHU_APP_ID=fake.app_id,
        FEISHU_APP_SECRET=fake.app_secret,
        FEISHU_DOMAIN=fake.base_url,
        FEISHU_MODE="webhook",
        FEISHU_VERIFICATION_TOKEN=VERIFICATION_TOKEN,
        FEISHU_ENCRYPT_KEY=ENCRYPT_KEY,
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL=f"http://{LOOPBACK}:{port}",
        INBOX_SYNCHRONOUS=synchronous,
        WORKER_PROCESS="true" if worker == "on" else "false",
    )
    argv = [sys.executable, "-m", "bot", "serve", "--host", LOOPBACK, "--port", str(port)]
    return start_process("app", argv, env, workdir, port)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its descendants so far (Linux /proc; None elsewhere)."""
    from tests.served_bot import process_tree  # the server and the worker process it forks (WORKER_PROCESS)

    total = None
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total = (total or 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _memory_kib(pid: int, path: str, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mib(pid: int) -> float | None:
    """Memory of a process and its descendants (Linux /proc; None elsewhere): the proportional set size (pages
    shared between the server and its forked worker counted once), or the sum of resident sets without smaps."""
    from tests.served_bot import process_tree

    members = process_tree(pid)
    pss = [_memory_kib(member, "smaps_rollup", "Pss:") for member in members]
    if all(value is not None for value in pss):
        return sum(pss) / 1024
    rss = [value for member in members if (value := _memory_kib(member, "status", "VmRSS:")) is not None]
    return sum(rss) / 1024 if rss else None


def cpu_ms_per_event(before: float | None, after: float | None, events: int) -> float | None:
    return None if before is None or after is None or not events else (after - before) * 1000 / events


# ----- events --------------------------------------------------------------------------------


@dataclass
class Batch:
    bodies: list[bytes]
    event_ids: list[str]
    help_message_ids: set[str]
    other_message_ids: set[str]


def build_events(prefix: str, n: int, *, help_every: int, chats: int, seed: int) -> Batch:
    """n distinct message events, encrypted now (outside any timing)."""
    from tests.fakes.feishu_webhook import encrypt_body, message_event

    rng = random.Random(seed)
    batch = Batch([], [], set(), set())
    for i in range(n):
        is_help = help_every > 0 and i % help_every == help_every - 1
        message_id = f"om_{prefix}_{i:06d}"
        event_id = f"ev_{prefix}_{i:06d}"
        payload = message_event(
            event_id=event_id,
            message_id=message_id,
            chat_id=f"oc_{prefix}_{rng.randrange(chats):03d}",
            text=rng.choice(HELP_TEXTS) if is_help else rng.choice(ORDINARY_TEXTS),
            sender_open_id=f"ou_bench_{rng.randrange(12):02d}",
            token=VERIFICATION_TOKEN,
        )
        batch.bodies.append(encrypt_body(payload, ENCRYPT_KEY))
        batch.event_ids.append(event_id)
        (batch.help_message_ids if is_help else batch.other_message_ids).add(message_id)
    return batch


# ----- load ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies_ms: list[float]
    statuses: Counter
    wall_s: float
    health: dict[str, Any] = field(default_factory=dict)


async def _sample_health(client, url: str, stop: asyncio.Event, out: dict[str, Any]) -> None:
    """/healthz every 0.5 s during the load: backlog sizes and how slow /healthz itself gets."""
    out.update(max_inbox_pending=0, max_outbox_pending=0, max_healthz_ms=0.0, samples=0, errors=0)
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            body = (await client.get(f"{url}/healthz", timeout=10)).json()
            out["max_inbox_pending"] = max(out["max_inbox_pending"], int(body["inbox"].get("pending", 0)))
            out["max_outbox_pending"] = max(out["max_outbox_pending"], int(body["outbox_pending"]))
        except Exception:
            out["errors"] += 1
        out["max_healthz_ms"] = max(out["max_healthz_ms"], (time.perf_counter() - t0) * 1000)
        out["samples"] += 1
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def _load(
    url: str, bodies: list[bytes], concurrency: int, rate: float, timeout: float, sample_health: bool
) -> LoadResult:
    import httpx

    from tests.fakes.feishu_webhook import signed_headers

    latencies: list[float] = []
    statuses: Counter = Counter()
    health: dict[str, Any] = {}
    indexes = iter(range(len(bodies)))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client, httpx.AsyncClient() as probe:
        start = time.perf_counter()

        async def worker() -> None:
            for i in indexes:
                if rate > 0:
                    delay = start + i / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                body = bodies[i]
                headers = signed_headers(body, ENCRYPT_KEY)  # fresh timestamp; a sha256, microseconds
                t0 = time.perf_counter()
                try:
                    response = await client.post(f"{url}/feishu/events", content=body, headers=headers)
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses[status] += 1

        stop = asyncio.Event()
        sampler = asyncio.create_task(_sample_health(probe, url, stop, health)) if sample_health else None
        try:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        finally:
            wall = time.perf_counter() - start
            stop.set()
            if sampler is not None:
                await sampler
    return LoadResult(latencies, statuses, wall, health)


def run_load(url: str, bodies: list[bytes], args, *, sample_health: bool = False) -> LoadResult:
    budget = max(120.0, len(bodies) / 10)  # the whole load phase is bounded too
    coro = _load(url, bodies, args.concurrency, args.rate, args.request_timeout, sample_health)
    return asyncio.run(asyncio.wait_for(coro, budget))


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(result: LoadResult) -> dict[str, Any]:
    values = sorted(result.latencies_ms)
    ok = result.statuses.get("200", 0)
    return {
        "requests": len(values),
        "ok": ok,
        "errors": {k: v for k, v in result.statuses.items() if k != "200"},
        "throughput_rps": len(values) / result.wall_s if result.wall_s else float("nan"),
        "wall_s": result.wall_s,
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "max_ms": values[-1] if values else float("nan"),
        "mean_ms": sum(values) / len(values) if values else float("nan"),
        "over_1s": sum(1 for v in values if v > 1000),
        "over_3s": sum(1 for v in values if v > FEISHU_ACK_LIMIT_MS),
        **({"during_load": result.health} if result.health else {}),
    }


# ----- after the load: drain and verify ------------------------------------------------------


def wait_drained(url: str, fake, expected_replies: set[str], timeout: float) -> dict[str, Any]:
    """Seconds (from now) until the inbox has nothing pending, the outbox has nothing pending,
    and the fake saw a reply to every expected message; None for what never happened."""
    import httpx

    start = time.perf_counter()
    out: dict[str, Any] = {
        "inbox_drained_s": None,
        "outbox_drained_s": None,
        "replies_seen_s": None,
        "backlog_at_end_of_load": None,
        "last_health": None,
    }
    deadline = start + timeout
    with httpx.Client(timeout=10) as client:
        while time.perf_counter() < deadline:
            elapsed = time.perf_counter() - start
            try:
                health = client.get(f"{url}/healthz").json()
            except (httpx.HTTPError, ValueError):
                health = None
            if health is not None:
                out["last_health"] = health
                if out["backlog_at_end_of_load"] is None:
                    out["backlog_at_end_of_load"] = {
                        "inbox_pending": health["inbox"].get("pending", 0),
                        "outbox_pending": health["outbox_pending"],
                    }
                if out["inbox_drained_s"] is None and not health["inbox"].get("pending", 0):
                    out["inbox_drained_s"] = elapsed
                if (
                    out["inbox_drained_s"] is not None
                    and out["outbox_drained_s"] is None
                    and not health["outbox_pending"]
                ):
                    out["outbox_drained_s"] = elapsed
            if out["replies_seen_s"] is None:
                replied = {m["reply_to"] for m in fake.sent_messages if m.get("reply_to")}
                if expected_replies <= replied:
                    out["replies_seen_s"] = elapsed
            if None not in (out["inbox_drained_s"], out["outbox_drained_s"], out["replies_seen_s"]):
                break
            time.sleep(0.1)
    out["timed_out"] = None in (out["inbox_drained_s"], out["outbox_drained_s"], out["replies_seen_s"])
    return out


def verify(database_url: str, prefix: str, batch: Batch, fake) -> dict[str, Any]:
    from sqlmodel import Session, select

    from bot.core.db import make_engine
    from bot.core.models import InboxEvent, OutboxMessage

    pattern = f"ev_{prefix}_%"
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(
                    InboxEvent.event_id,
                    InboxEvent.status,
                    InboxEvent.attempts,
                    InboxEvent.last_error,
                    InboxEvent.received_at,
                    InboxEvent.processed_at,
                ).where(InboxEvent.event_id.like(pattern))
            ).all()
            sends = session.exec(
                select(OutboxMessage.status, OutboxMessage.created_at, OutboxMessage.sent_at).where(
                    OutboxMessage.source_event_id.like(pattern)
                )
            ).all()
    finally:
        engine.dispose()
    stored = Counter(r[0] for r in rows)
    expected = set(batch.event_ids)
    errors = [r[3] for r in rows if r[3]]
    replies = Counter(m["reply_to"] for m in fake.sent_messages if m.get("reply_to"))
    help_counts = [replies.get(mid, 0) for mid in batch.help_message_ids]
    # How long events waited in the inbox (stored → processed) and replies in the outbox (queued → sent).
    inbox_lag = sorted((r[5] - r[4]).total_seconds() * 1000 for r in rows if r[4] and r[5])
    outbox_lag = sorted((s[2] - s[1]).total_seconds() * 1000 for s in sends if s[1] and s[2])
    result = {
        "events_sent": len(expected),
        "events_stored": len(stored),
        "events_missing": len(expected - set(stored)),
        "events_stored_twice": sum(1 for n in stored.values() if n > 1),
        "inbox_status": dict(Counter(r[1] for r in rows)),
        "inbox_retried": sum(1 for r in rows if r[2] > 0),
        "inbox_errors": errors[:5],
        "inbox_wait_ms": _lag(inbox_lag),
        "outbox_status": dict(Counter(s[0] for s in sends)),
        "outbox_wait_ms": _lag(outbox_lag),
        "help_sent": len(batch.help_message_ids),
        "help_replied_once": sum(1 for n in help_counts if n == 1),
        "help_missing_reply": sum(1 for n in help_counts if n == 0),
        "help_replied_twice": sum(1 for n in help_counts if n > 1),
        "replies_to_ordinary_messages": sum(replies.get(mid, 0) for mid in batch.other_message_ids),
    }
    result["ok"] = (
        result["events_missing"] == 0
        and result["events_stored_twice"] == 0
        and result["events_stored"] == result["events_sent"]
        and result["inbox_status"].get("done", 0) == result["events_sent"]
        and result["help_replied_once"] == result["help_sent"]
    )
    return result


def _lag(sorted_ms: list[float]) -> dict[str, float]:
    if not sorted_ms:
        return {}
    return {"p50": percentile(sorted_ms, 50), "p99": percentile(sorted_ms, 99), "max": sorted_ms[-1]}


def log_findings(server: Server) -> dict[str, Any]:
    """WARNING/ERROR lines and tracebacks in the app's log (uvicorn access lines are INFO)."""
    try:
        lines = server.log_path.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    levels = Counter()
    samples: list[str] = []
    for line in lines:
        for level in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback"):
            if level in line:
                levels[level.strip()] += 1
                if len(samples) < 8:
                    samples.append(line[:300])
    return {"counts": dict(levels), "samples": samples, "log": str(server.log_path)}


# ----- phases --------------------------------------------------------------------------------


def _prefix(run_id: str, phase: str, variant: tuple[str, str]) -> str:
    """Event ids distinct per app run (phase, synchronous mode, worker process on/off)."""
    mode, worker = variant
    return f"{run_id}{phase[0]}{mode[0]}{worker[-1]}"


def run_phase(
    name: str, args, workdir: Path, fake, run_id: str, send_delay_ms: float, seed: int
) -> list[dict[str, Any]]:
    """One bare measurement, then the app once per --synchronous mode and --worker-process setting; a result per
    app run."""
    phase_dir = workdir / name
    phase_dir.mkdir()
    fake.send_delay = send_delay_ms / 1000
    warmup = min(args.warmup, args.events)
    help_every = round(1 / args.help_ratio) if args.help_ratio > 0 else 0
    modes = [m.strip() for m in args.synchronous.split(",") if m.strip()]
    workers = [w.strip() for w in args.worker_process.split(",") if w.strip()]
    variants = [(mode, worker) for mode in modes for worker in workers]

    def say(text: str) -> None:
        if not args.json:
            print(f"[{name}] {text}", file=sys.stderr, flush=True)

    # Same requests for every target: encrypted now, signed at send time; distinct ids per app run.
    batches = {
        variant: build_events(
            _prefix(run_id, name, variant), warmup + args.events, help_every=help_every, chats=args.chats, seed=seed
        )
        for variant in variants
    }
    bare_bodies = batches[variants[0]].bodies  # the bare endpoint ignores content; same sizes, same client crypto work
    say("bare FastAPI endpoint …")
    bare = start_bare(phase_dir)
    try:
        run_load(bare.url, bare_bodies[:warmup], args)
        cpu_before = cpu_seconds(bare.proc.pid)
        bare_summary = summarize(run_load(bare.url, bare_bodies[warmup:], args))
        bare_summary["cpu_ms_per_event"] = cpu_ms_per_event(cpu_before, cpu_seconds(bare.proc.pid), args.events)
    finally:
        bare.stop()
    results = []
    for variant in variants:
        mode, worker = variant
        label = " ".join(
            [name] + ([f"sync={mode}"] if len(modes) > 1 else []) + ([f"worker={worker}"] if len(workers) > 1 else [])
        )
        app_batch = batches[variant]
        prefix = _prefix(run_id, name, variant)
        result: dict[str, Any] = {"phase": label, "send_delay_ms": send_delay_ms, "synchronous": mode}
        result["worker_process"] = worker
        result["bare"] = bare_summary
        database_url = args.database_url or f"sqlite:///{phase_dir / f'crisisbot-{mode}-{worker}.db'}"
        say(f"app ({database_url.split('@')[-1]}, INBOX_SYNCHRONOUS={mode}, WORKER_PROCESS={worker}) …")
        app = start_app(phase_dir, fake, database_url, mode, worker)
        try:
            idle_rss = rss_mib(app.proc.pid)
            run_load(app.url, app_batch.bodies[:warmup], args)
            cpu_before = cpu_seconds(app.proc.pid)
            load = run_load(app.url, app_batch.bodies[warmup:], args, sample_health=True)
            result["app"] = summarize(load)
            result["app"]["idle_rss_mib"] = idle_rss
            say("waiting for the inbox and outbox to drain …")
            timeout = args.drain_timeout or (60 + 1.5 * len(app_batch.help_message_ids) * (send_delay_ms / 1000 + 0.05))
            result["drain"] = wait_drained(app.url, fake, app_batch.help_message_ids, timeout)
            # CPU of the whole job (acks, processing, sends; /healthz sampling included), per event.
            result["app"]["cpu_ms_per_event"] = cpu_ms_per_event(cpu_before, cpu_seconds(app.proc.pid), args.events)
            result["app"]["rss_after_mib"] = rss_mib(app.proc.pid)
            time.sleep(0.3)  # let a wrong second reply show up before counting
            result["verify"] = verify(database_url, prefix, app_batch, fake)
        finally:
            app.stop()
            result["app_log"] = log_findings(app)
        bare_s, app_s = result["bare"], result["app"]
        result["ratio"] = {
            key: (app_s[key] / bare_s[key] if bare_s[key] else float("nan"))
            for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "throughput_rps")
        }
        result["warmup_events"] = warmup
        results.append(result)
    return results


# ----- report --------------------------------------------------------------------------------


def _ms(v: float) -> str:
    return f"{v:8.1f}" if v == v else "     n/a"


def print_table(report: dict[str, Any]) -> None:
    cfg = report["config"]
    print(
        f"crisis-retro-bot webhook ack bench — {cfg['events']} events/phase (+{cfg['warmup']} warm-up), "
        f"concurrency {cfg['concurrency']}, rate {cfg['rate'] or 'unthrottled'}, "
        f"{cfg['help_ratio']:.0%} /help over {cfg['chats']} chats, db {cfg['database']}, "
        f"{cfg['cpus']} CPUs, python {cfg['python']}"
    )
    print()
    header = (
        f"{'phase':<22}{'target':<8}{'ok/sent':>12}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for phase in report["phases"]:
        label = phase["phase"] + (f" (send {phase['send_delay_ms']:.0f}ms)" if phase["send_delay_ms"] else "")
        for target in ("bare", "app"):
            s = phase[target]
            print(
                f"{label if target == 'bare' else '':<22}{target:<8}{s['ok']:>6}/{s['requests']:<5}"
                f"{s['throughput_rps']:>9.0f}{_ms(s['p50_ms'])} {_ms(s['p95_ms'])} "
                f"{_ms(s['p99_ms'])} {_ms(s['max_ms'])}"
            )
        r = phase["ratio"]
        print(
            f"{'':<22}{'app/bare':<8}{'':>12}{r['throughput_rps']:>8.2f}x{r['p50_ms']:>8.2f}x"
            f"{r['p95_ms']:>8.2f}x{r['p99_ms']:>8.2f}x{r['max_ms']:>8.2f}x"
        )
    print()
    for phase in report["phases"]:
        a, d, v = phase["app"], phase["drain"], phase["verify"]
        dl = a.get("during_load", {})
        backlog = d.get("backlog_at_end_of_load") or {}

        def secs(x):
            return "never (timeout)" if x is None else f"{x:.2f}s"

        print(
            f"[{phase['phase']}] app ack p99 {a['p99_ms']:.1f} ms = {a['p99_ms'] / FEISHU_ACK_LIMIT_MS:.1%} of "
            f"Feishu's 3 s; >1 s: {a['over_1s']}, >3 s: {a['over_3s']}; errors: {a['errors'] or 'none'}"
        )
        cpu, bare_cpu = a.get("cpu_ms_per_event"), phase["bare"].get("cpu_ms_per_event")
        if cpu is not None and bare_cpu is not None:
            print(
                f"    CPU per event: app {cpu:.2f} ms (acks, processing, sends), bare {bare_cpu:.2f} ms; "
                f"app memory (PSS of its processes) idle {a.get('idle_rss_mib') or 0:.0f} MiB, "
                f"after load {a.get('rss_after_mib') or 0:.0f} MiB"
            )
        print(
            f"    during load: max inbox pending {dl.get('max_inbox_pending')}, max outbox pending "
            f"{dl.get('max_outbox_pending')}, slowest /healthz {dl.get('max_healthz_ms', 0):.0f} ms"
        )
        print(
            f"    after load: backlog inbox {backlog.get('inbox_pending')} / outbox {backlog.get('outbox_pending')}; "
            f"inbox drained in {secs(d['inbox_drained_s'])}, outbox drained in {secs(d['outbox_drained_s'])}, "
            f"all /help replies seen in {secs(d['replies_seen_s'])}"
        )
        print(
            f"    stored {v['events_stored']}/{v['events_sent']} (missing {v['events_missing']}, "
            f"twice {v['events_stored_twice']}), inbox {v['inbox_status']}, retried {v['inbox_retried']}; "
            f"outbox {v['outbox_status']}"
        )
        print(
            f"    /help replied exactly once {v['help_replied_once']}/{v['help_sent']} (missing "
            f"{v['help_missing_reply']}, twice {v['help_replied_twice']}); replies to ordinary messages "
            f"{v['replies_to_ordinary_messages']} → {'OK' if v['ok'] else 'FAILED'}"
        )
        for label, key in (
            ("inbox wait (stored → processed)", "inbox_wait_ms"),
            ("outbox wait (queued → sent)", "outbox_wait_ms"),
        ):
            lag = v.get(key) or {}
            if lag:
                print(f"    {label}: p50 {lag['p50']:.0f} ms, p99 {lag['p99']:.0f} ms, max {lag['max']:.0f} ms")
        logs = phase.get("app_log") or {}
        if logs.get("counts"):
            print(f"    app log: {logs['counts']}; e.g.")
            for line in logs["samples"][:4]:
                print(f"      {line}")
    print()
    for problem in report["problems"]:
        print(f"PROBLEM: {problem}")
    print("verdict:", "OK" if not report["problems"] else "FAILED")


def problems_of(report: dict[str, Any], budget_ms: float) -> list[str]:
    found = []
    for phase in report["phases"]:
        name, a, v, d = phase["phase"], phase["app"], phase["verify"], phase["drain"]
        if a["errors"]:
            found.append(f"{name}: app answered non-200 / failed requests: {a['errors']}")
        if phase["bare"]["errors"]:
            found.append(f"{name}: bare endpoint errors: {phase['bare']['errors']}")
        if a["p99_ms"] > budget_ms:
            found.append(f"{name}: app ack p99 {a['p99_ms']:.0f} ms exceeds the {budget_ms:.0f} ms budget")
        if a["over_3s"]:
            found.append(f"{name}: {a['over_3s']} acks took longer than Feishu's 3 s (Feishu would retry them)")
        if d["timed_out"]:
            found.append(f"{name}: queues did not drain in time (last /healthz: {d['last_health']})")
        if not v["ok"]:
            found.append(f"{name}: verification failed: {json.dumps(v, ensure_ascii=False)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="timed events per phase (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open-loop request rate in req/s (default 0: as fast as the concurrency allows)",
    )
    parser.add_argument("--warmup", type=int, default=50, help="untimed events before each measurement")
    parser.add_argument("--help-ratio", type=float, default=0.1, help="share of /help commands (default 0.1)")
    parser.add_argument("--chats", type=int, default=20, help="distinct chats the events spread over")
    parser.add_argument(
        "--slow-send-ms",
        type=float,
        default=200.0,
        help="delay of every message send at the fake in the slow phase (default 200)",
    )
    parser.add_argument("--phases", default="normal,slow", help="comma list of: normal, slow")
    parser.add_argument(
        "--synchronous",
        default="full",
        help="comma list of the app's INBOX_SYNCHRONOUS (SQLite, the inbox commit before each ack): full, normal; "
        "each is one app run per phase against the same bare run (default full, the app's default)",
    )
    parser.add_argument(
        "--worker-process",
        default="on",
        help="comma list of the app's WORKER_PROCESS: on (processing in the forked worker process), off (in the "
        "serving process); each is one app run per phase against the same bare run (default on, the app's default)",
    )
    parser.add_argument(
        "--database-url", default="", help="e.g. postgresql://… (default: a fresh SQLite file per phase in a temp dir)"
    )
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("--drain-timeout", type=float, default=0.0, help="seconds (default: from the load)")
    parser.add_argument(
        "--p99-budget-ms",
        type=float,
        default=1000.0,
        help="fail when the app's ack p99 exceeds this (default 1000, a third of Feishu's 3 s)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite files)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.bare_server:
        serve_bare(args.bare_server)
        return 0
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    modes = [m.strip() for m in args.synchronous.split(",") if m.strip()]
    if not set(phases) <= {"normal", "slow"} or args.events < 1 or args.concurrency < 1 or args.chats < 1:
        parser.error("check --phases (normal,slow), --events, --concurrency and --chats")
    if not modes or not set(modes) <= {"full", "normal"} or len(set(modes)) != len(modes):
        parser.error("--synchronous takes full and/or normal")
    workers = [w.strip() for w in args.worker_process.split(",") if w.strip()]
    if not workers or not set(workers) <= {"on", "off"} or len(set(workers)) != len(workers):
        parser.error("--worker-process takes on and/or off")

    from tests.fakes.feishu_openapi import reset_lark_token_cache

    run_id = secrets.token_hex(3)
    workdir = Path(tempfile.mkdtemp(prefix="crisisbot-bench-"))
    report: dict[str, Any] = {
        "config": {
            "events": args.events,
            "warmup": min(args.warmup, args.events),
            "concurrency": args.concurrency,
            "rate": args.rate,
            "help_ratio": args.help_ratio,
            "chats": args.chats,
            "slow_send_ms": args.slow_send_ms,
            "synchronous": args.synchronous,
            "worker_process": args.worker_process,
            "database": (args.database_url.split("@")[-1] or "sqlite (temp file)"),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "run_id": run_id,
            "workdir": str(workdir),
        },
        "phases": [],
    }
    reset_lark_token_cache()
    fake = slow_fake_class()().start()
    failed = True
    try:
        for i, name in enumerate(phases):
            delay = args.slow_send_ms if name == "slow" else 0.0
            report["phases"].extend(run_phase(name, args, workdir, fake, run_id, delay, args.seed + i))
        report["problems"] = problems_of(report, args.p99_budget_ms)
        failed = bool(report["problems"])
    finally:
        fake.stop()
        if args.keep or failed:
            print(f"logs and databases kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print_table(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
