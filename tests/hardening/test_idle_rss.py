"""Issue 15: an idle `crisisbot serve` stays under 200 MiB of resident memory in the two Feishu modes — webhook, and
the long connection (connected to the fake Feishu endpoint) — measured on the real process after start-up. lark-oapi
alone used to take ~175 MiB of it (bot/feishu/lark_import.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.feishu_ws import FakeFeishuWs
from tests.served_bot import served_bot
from tests.support import ENCRYPT_KEY, VERIFICATION_TOKEN

LIMIT_MIB = 200
pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


def feishu_env(fake, mode: str) -> dict[str, str]:
    return {
        "FEISHU_APP_ID": fake.app_id,
        "FEISHU_APP_SECRET": fake.app_secret,
        "FEISHU_DOMAIN": fake.base_url,
        "FEISHU_MODE": mode,
        "FEISHU_VERIFICATION_TOKEN": VERIFICATION_TOKEN,
        "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
    }


def test_idle_webhook_server_stays_under_200_mib(tmp_path, fake_feishu):
    with served_bot(tmp_path, **feishu_env(fake_feishu, "webhook")) as bot:
        assert bot.http.get(f"{bot.url}/healthz").status_code == 200
        assert rss_mib(bot.pid) <= LIMIT_MIB


def test_idle_long_connection_server_stays_under_200_mib(tmp_path, fake_feishu):
    ws = FakeFeishuWs(fake_feishu.app_id, fake_feishu.app_secret).start()
    fake_feishu.attach_ws(ws.base_url)
    try:
        with served_bot(tmp_path, **feishu_env(fake_feishu, "ws")) as bot:
            assert ws.wait_for_connections(1, 20)
            assert rss_mib(bot.pid) <= LIMIT_MIB
    finally:
        ws.stop()
