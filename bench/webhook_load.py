"""The load of the webhook ack bench (bench/webhook.py): distinct ``im.message.receive_v1`` events encrypted as
Feishu does, sent by concurrent clients (open loop at ``--rate`` if given) and signed just before each request,
/healthz sampled meanwhile, and the latency summary of the acks."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.webhook_servers import ENCRYPT_KEY, VERIFICATION_TOKEN

FEISHU_ACK_LIMIT_MS = 3000.0

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
