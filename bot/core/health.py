"""What `GET /healthz` reports: the inbox and outbox counts, whether the database still takes a write (a probe
rolled back at once, waiting briefly for the write lock), and the sends that keep failing. Unhealthy (503) when a
write fails or a send has been failing longer than HEALTH_STUCK_SEND_SECONDS; each reason is named."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.core import inbox, outbox


@dataclass(frozen=True)
class Health:
    ok: bool
    body: dict


def check(engine: Engine, settings: Settings, *, mode: str, now: datetime) -> Health:
    reasons: list[str] = []
    body: dict = {"status": "ok", "mode": mode}
    try:
        with Session(engine) as session:
            body["inbox"] = inbox.counts(session)
            body["outbox_pending"] = outbox.pending_count(session)
            body["outbox_stuck"] = outbox.stuck(session, now=now)
    except Exception as exc:
        reasons.append(f"database unreadable: {type(exc).__name__}: {exc}"[:300])
    write_error = probe_write(engine, timeout=settings.health_probe_timeout_seconds)
    body["write"] = "ok" if write_error is None else write_error
    if write_error is not None:
        reasons.append(f"database write failed: {write_error}")
    stuck = body.get("outbox_stuck")
    if stuck and stuck["count"] and stuck["oldest_seconds"] > settings.health_stuck_send_seconds:
        reasons.append(
            f"{stuck['count']} send(s) failing, the oldest queued {stuck['oldest_seconds']} s ago "
            f"(more than {settings.health_stuck_send_seconds:.0f} s)"
        )
    if reasons:
        body["status"] = "error"
        body["reasons"] = reasons
    return Health(ok=not reasons, body=body)


def probe_write(engine: Engine, *, timeout: float) -> str | None:
    """Write a row and roll it back: None when the database takes writes, else why not (read-only files, the write
    lock held by someone else past `timeout` seconds, a full disk …)."""
    key = f"healthz:{uuid.uuid4().hex}"
    sqlite = engine.dialect.name == "sqlite"
    millis = int(timeout * 1000)
    try:
        with engine.connect() as conn:
            if sqlite:
                previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql(f"PRAGMA busy_timeout={millis}")
                conn.commit()
            else:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {millis}")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {millis}")
            try:
                conn.execute(
                    sa.text("INSERT INTO app_state (key, value) VALUES (:key, :value)"), {"key": key, "value": "probe"}
                )
            finally:
                conn.rollback()
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(previous)}")
                    conn.commit()
    except Exception as exc:
        return f"{type(exc).__name__}: {getattr(exc, 'orig', exc)}"[:300]
    return None
