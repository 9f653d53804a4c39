"""Nothing acknowledged is lost: the real `crisisbot serve` process is SIGKILLed right after
acknowledging an event and before processing it; the next start processes it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import sqlalchemy as sa

from bot.core.db import make_engine
from tests.fakes.feishu_webhook import message_event, webhook_request
from tests.support import ENCRYPT_KEY, ROOT, VERIFICATION_TOKEN, free_port, wait_until


def start_bot(db_url: str, fake, port: int, **env_overrides: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "FEISHU_APP_ID": fake.app_id,
        "FEISHU_APP_SECRET": fake.app_secret,
        "FEISHU_DOMAIN": fake.base_url,
        "FEISHU_MODE": "webhook",
        "FEISHU_VERIFICATION_TOKEN": VERIFICATION_TOKEN,
        "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
        **env_overrides,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def healthy() -> bool:
        assert proc.poll() is None, f"bot exited with {proc.returncode}"
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    # Importing lark-oapi alone takes ~20 s on a loaded 2-core machine: a generous deadline, and fail at once
    # when the process exits instead.
    assert wait_until(healthy, timeout=120), "bot did not start"
    return proc


def inbox_statuses(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(sa.text("select status from inbox_event order by id"))]
    engine.dispose()
    return rows


def test_event_acknowledged_then_killed_is_processed_once_after_restart(db_url, fake_feishu, tmp_path):
    port = free_port()
    event = message_event(
        event_id="ev_crash", message_id="om_crash", chat_id="oc_1", text="/帮助", token=VERIFICATION_TOKEN
    )
    body, headers = webhook_request(event, ENCRYPT_KEY)

    # First life: acknowledge and store, but processing is held, then the process dies hard.
    proc = start_bot(db_url, fake_feishu, port, PROCESSING_PAUSED="true")
    try:
        response = httpx.post(f"http://127.0.0.1:{port}/feishu/events", content=body, headers=headers, timeout=5)
        assert response.status_code == 200
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert inbox_statuses(db_url) == ["pending"]
    assert fake_feishu.sent_messages == []

    # Second life: the pending event is processed once; a redelivery of it changes nothing.
    proc = start_bot(db_url, fake_feishu, port)
    try:
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 1, timeout=15)
        body, headers = webhook_request(event, ENCRYPT_KEY)
        again = httpx.post(f"http://127.0.0.1:{port}/feishu/events", content=body, headers=headers, timeout=5)
        assert again.status_code == 200
        assert not wait_until(lambda: len(fake_feishu.sent_messages) > 1, timeout=1.5)
    finally:
        proc.terminate()
        proc.wait(10)
    assert inbox_statuses(db_url) == ["done"]
    assert fake_feishu.sent_messages[0]["reply_to"] == "om_crash"


def test_reply_queued_but_not_sent_before_a_kill_is_sent_once_after_restart(db_url, fake_feishu):
    port = free_port()
    event = message_event(event_id="ev_k2", message_id="om_k2", chat_id="oc_1", text="/help", token=VERIFICATION_TOKEN)
    fake_feishu.fail_next(10_000, status=503)  # Feishu is down: the reply stays in the outbox
    proc = start_bot(db_url, fake_feishu, port)
    try:
        body, headers = webhook_request(event, ENCRYPT_KEY)
        assert (
            httpx.post(f"http://127.0.0.1:{port}/feishu/events", content=body, headers=headers, timeout=5).status_code
            == 200
        )
        assert wait_until(lambda: inbox_statuses(db_url) == ["done"], timeout=10)
        assert wait_until(lambda: len(fake_feishu.calls_to("/open-apis/im/v1/messages")) >= 1, timeout=10)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    fake_feishu.recover()
    proc = start_bot(db_url, fake_feishu, port)
    try:
        assert wait_until(lambda: len(fake_feishu.sent_messages) == 1, timeout=20)
        assert not wait_until(lambda: len(fake_feishu.sent_messages) > 1, timeout=1.5)
    finally:
        proc.terminate()
        proc.wait(10)
