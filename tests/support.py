"""Helpers for tests: explicit settings, the app served by uvicorn on loopback, polling."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn

from bot.config import Settings
from tests.fakes.feishu_openapi import FakeFeishu

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_PLAYBOOKS = ROOT / "playbooks"
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures"

SH = ZoneInfo("Asia/Shanghai")  # the zone the test scenarios are written in (BOT_TIMEZONE's default)
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=SH)  # the default start of a scenario

ENCRYPT_KEY = "test-encrypt-key"
VERIFICATION_TOKEN = "vtoken"


def make_settings(db_url: str, **overrides) -> Settings:
    """Settings from explicit values only: no .env, no ambient environment surprises."""
    values = {
        "database_url": db_url,
        "outbox_retry_base_seconds": 0.05,
        "playbook_dir": Settings.model_fields["playbook_dir"].default,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def feishu_settings(db_url: str, fake: FakeFeishu, **overrides) -> Settings:
    values = {
        "feishu_app_id": fake.app_id,
        "feishu_app_secret": fake.app_secret,
        "feishu_domain": fake.base_url,
        "feishu_mode": "webhook",
        "feishu_verification_token": VERIFICATION_TOKEN,
        "feishu_encrypt_key": ENCRYPT_KEY,
    }
    return make_settings(db_url, **{**values, **overrides})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app) -> Iterator[str]:
    """Run a FastAPI app with uvicorn in a thread on a loopback port; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def table_counts(db_url: str) -> dict[str, int]:
    """Rows per table of the bot's database: compare before and after to prove nothing changed."""
    import sqlalchemy as sa

    from bot.core.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
            return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}
    finally:
        engine.dispose()


class Clock:
    """The time the bot believes it is: tests set `now` and advance it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now


# Settings the bot reads from the environment: a CLI run in a test starts from none of the ambient ones.
CONFIG_VARS = (
    "FEISHU_",
    "DATABASE_URL",
    "OPENAI_",
    "BOT_TIMEZONE",
    "PLAYBOOK_DIR",
    "PUBLIC_BASE_URL",
    "REPORT_SECRET",
    "ALLOWED_CHAT_IDS",
    "PROCESSING_PAUSED",
    "WORKER_PROCESS",
)


def run_cli(args: list[str], cwd: Path, **env: str):
    """`python -m bot ARGS` in `cwd` as a user runs it, with only the settings given in `env`."""
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_VARS)}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )
