"""Issue 15: an idle `crisisbot serve` stays under 200 MiB of resident memory in the two Feishu modes — webhook, and
the long connection (connected to the fake Feishu endpoint) — measured on the real processes after start-up: the server
and the worker process it forks (WORKER_PROCESS). lark-oapi alone used to take ~175 MiB (bot/feishu/lark_import.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.feishu_ws import FakeFeishuWs
from tests.served_bot import feishu_env, process_tree, served_bot

LIMIT_MIB = 200
pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


def memory_kib(pid: int, path: str, field: str) -> int:
    for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise AssertionError(f"no {field} line in /proc/{pid}/{path}")


def assert_idle_memory(pid: int) -> None:
    """The server and its forked worker process: together (pages they share counted once: PSS) and each alone
    (resident set) under the limit."""
    members = process_tree(pid)
    assert len(members) == 2, f"expected the server and its worker process, found {members}"
    assert sum(memory_kib(member, "smaps_rollup", "Pss:") for member in members) / 1024 <= LIMIT_MIB
    for member in members:
        assert memory_kib(member, "status", "VmRSS:") / 1024 <= LIMIT_MIB


def test_idle_webhook_server_stays_under_200_mib(tmp_path, fake_feishu):
    with served_bot(tmp_path, **feishu_env(fake_feishu, "webhook")) as bot:
        assert bot.http.get(f"{bot.url}/healthz").status_code == 200
        assert_idle_memory(bot.pid)


def test_idle_long_connection_server_stays_under_200_mib(tmp_path, fake_feishu):
    ws = FakeFeishuWs(fake_feishu.app_id, fake_feishu.app_secret).start()
    fake_feishu.attach_ws(ws.base_url)
    try:
        with served_bot(tmp_path, **feishu_env(fake_feishu, "ws")) as bot:
            assert ws.wait_for_connections(1, 20)
            assert_idle_memory(bot.pid)
    finally:
        ws.stop()
