"""The processes the webhook ack bench (bench/webhook.py) runs and measures: the bare FastAPI endpoint (that
script re-executed with ``--bare-server``), the real app (``python -m bot serve`` in webhook mode), the fake Open
API whose message sends can be slowed, and the CPU time and memory of a process tree from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Module level on purpose: with postponed annotations FastAPI resolves `request: Request`
# against the module's globals.
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ROOT = Path(__file__).resolve().parent.parent
BENCH_SCRIPT = Path(__file__).resolve().with_name("webhook.py")  # re-executed with --bare-server: the bare endpoint
ENCRYPT_KEY = "bench-encrypt-key"
VERIFICATION_TOKEN = "bench-vtoken"
LOOPBACK = "127.0.0.1"


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
    argv = [sys.executable, str(BENCH_SCRIPT), "--bare-server", str(port)]
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
