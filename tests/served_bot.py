"""The real `crisisbot serve` process in sandbox mode on a free loopback port, its log (stdout and stderr
together) in a file, and the sandbox group driven over HTTP as the page drives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox.members import DEFAULT_CHAT, MEMBERS
from tests.support import CONFIG_VARS, ENCRYPT_KEY, ROOT, VERIFICATION_TOKEN, free_port, wait_until


@dataclass
class ServedBot:
    port: int
    log_file: Path
    http: httpx.Client
    pid: int = 0  # the server process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def transcript(self) -> list[dict[str, Any]]:
        return self.http.get(f"{self.url}/sandbox/api/messages", params={"chat_id": DEFAULT_CHAT}).json()

    def post(self, text: str, who: str = MEMBERS[0].user_id) -> None:
        response = self.http.post(f"{self.url}/sandbox/api/messages", json={"sender_id": who, "text": text})
        assert response.status_code == 202, response.text

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.transcript() if m["from_bot"]]


def feishu_env(fake, mode: str = "webhook") -> dict[str, str]:
    """The settings of a Feishu-mode `served_bot` talking to the fake Open API `fake`."""
    return {
        "FEISHU_APP_ID": fake.app_id,
        "FEISHU_APP_SECRET": fake.app_secret,
        "FEISHU_DOMAIN": fake.base_url,
        "FEISHU_MODE": mode,
        "FEISHU_VERIFICATION_TOKEN": VERIFICATION_TOKEN,
        "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
    }


def process_tree(pid: int) -> list[int]:
    """A process and its descendants, from /proc (Linux)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


@contextmanager
def served_bot(tmp_path: Path, *args: str, **env: str) -> Iterator[ServedBot]:
    """`python -m bot serve --port <free> ARGS` with only the settings in `env` (plus a SQLite file in tmp_path)."""
    port = free_port()
    log_file = tmp_path / "serve.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith((*CONFIG_VARS, "LOG_LEVEL"))}
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}", **env}
    with log_file.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), *args],
            cwd=tmp_path,
            env={**clean, "PYTHONPATH": str(ROOT), **settings},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    with httpx.Client(timeout=10) as http:
        bot = ServedBot(port=port, log_file=log_file, http=http, pid=proc.pid)

        def healthy() -> bool:
            assert proc.poll() is None, f"crisisbot serve exited with {proc.returncode}:\n{bot.log()}"
            try:
                return http.get(f"{bot.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            assert wait_until(healthy, timeout=120), f"crisisbot serve did not start:\n{bot.log()}"
            yield bot
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
