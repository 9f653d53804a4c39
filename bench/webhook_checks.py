"""After the load of the webhook ack bench (bench/webhook.py): wait until the app's inbox and outbox drained, verify
in its database and at the fake Open API that every event was stored and processed exactly once and every /help got
exactly one reply, and collect the warnings and errors in its log."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench.webhook_load import Batch, percentile
from bench.webhook_servers import Server


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
