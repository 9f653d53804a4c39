"""/healthz checks the write path: with the database's write lock held elsewhere it answers 503 and says why,
keeping its usual keys; once the lock is released it is ok again."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.app import create_app
from tests.support import make_settings, serve


def test_healthz_is_503_while_no_write_can_be_made(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock")
    app = create_app(make_settings(db_url, feishu_mode="sandbox", health_probe_timeout_seconds=0.2))
    with serve(app) as url:
        healthy = httpx.get(f"{url}/healthz", timeout=10)
        assert healthy.status_code == 200
        assert healthy.json()["status"] == "ok" and healthy.json()["write"] == "ok"

        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the writer lock
        try:
            stuck = httpx.get(f"{url}/healthz", timeout=10)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert stuck.status_code == 503
        body = stuck.json()
        assert body["status"] == "error"
        assert {"mode", "inbox", "outbox_pending"} <= body.keys()
        assert any("database write failed" in reason and "locked" in reason for reason in body["reasons"])

        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
