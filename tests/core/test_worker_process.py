"""Issue 15 (acks never wait behind processing): `crisisbot serve` in a Feishu mode forks a worker process that
processes, sends and sweeps, while the server only stores and acknowledges. Driven on the real processes: events
posted signed and encrypted to the webhook, replies seen at the fake Feishu Open API."""

from __future__ import annotations

import itertools
import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.fakes.feishu_webhook import message_event, webhook_request
from tests.served_bot import feishu_env, process_tree, served_bot
from tests.support import ENCRYPT_KEY, VERIFICATION_TOKEN, wait_until

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
_ids = itertools.count(1)


def post_help(bot) -> str:
    """A signed /帮助 in a group; returns its message id."""
    n = next(_ids)
    event = message_event(
        event_id=f"ev_wp_{n}", message_id=f"om_wp_{n}", chat_id="oc_wp", text="/帮助", token=VERIFICATION_TOKEN
    )
    body, headers = webhook_request(event, ENCRYPT_KEY)
    response = bot.http.post(f"{bot.url}/feishu/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return f"om_wp_{n}"


def replies_to(fake, message_id: str) -> int:
    return sum(1 for sent in fake.sent_messages if sent.get("reply_to") == message_id)


def health(bot) -> dict:
    return bot.http.get(f"{bot.url}/healthz").json()


def gone(pid: int) -> bool:
    """Exited (a zombie waiting for its reaper counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_server_forks_a_worker_process_that_processes_the_events(tmp_path, fake_feishu):
    with served_bot(tmp_path, **feishu_env(fake_feishu)) as bot:
        found = health(bot)
        assert found["processing"] == "worker process"
        worker = found["worker_pid"]
        assert process_tree(bot.pid) == [bot.pid, worker]
        message_id = post_help(bot)
        assert wait_until(lambda: replies_to(fake_feishu, message_id) == 1, timeout=30)
        assert f"worker process {worker} running" in bot.log()
    assert wait_until(lambda: gone(worker), timeout=20)
    assert f"worker process {worker} stopping" in bot.log()  # stopped with the server, not killed


def test_a_killed_worker_process_is_replaced_by_the_server_itself(tmp_path, fake_feishu):
    with served_bot(tmp_path, **feishu_env(fake_feishu)) as bot:
        worker = health(bot)["worker_pid"]
        os.kill(worker, signal.SIGKILL)
        assert wait_until(lambda: health(bot)["processing"] == "serving process", timeout=20)
        assert health(bot)["worker_exit"] == "signal SIGKILL"
        assert health(bot)["status"] == "ok"
        message_id = post_help(bot)
        assert wait_until(lambda: replies_to(fake_feishu, message_id) == 1, timeout=30)
        assert f"worker process {worker} ended (signal SIGKILL)" in bot.log()
        assert not wait_until(lambda: replies_to(fake_feishu, message_id) > 1, timeout=1)


def test_the_worker_process_dies_with_a_killed_server(tmp_path, fake_feishu):
    with served_bot(tmp_path, **feishu_env(fake_feishu)) as bot:
        worker = health(bot)["worker_pid"]
        os.kill(bot.pid, signal.SIGKILL)
        assert wait_until(lambda: gone(worker), timeout=20), "the worker process outlived its server"
        with pytest.raises(httpx.HTTPError):
            bot.http.get(f"{bot.url}/healthz", timeout=2)


def test_worker_process_off_runs_everything_in_one_process(tmp_path, fake_feishu):
    with served_bot(tmp_path, WORKER_PROCESS="false", **feishu_env(fake_feishu)) as bot:
        assert "processing" not in health(bot)
        assert process_tree(bot.pid) == [bot.pid]
        message_id = post_help(bot)
        assert wait_until(lambda: replies_to(fake_feishu, message_id) == 1, timeout=30)


def test_long_connection_events_are_processed_by_the_worker_process(tmp_path, fake_feishu):
    """ws mode: the long connection lives in the server (it acknowledges), the worker process answers."""
    from tests.fakes.feishu_ws import FakeFeishuWs

    ws = FakeFeishuWs(fake_feishu.app_id, fake_feishu.app_secret).start()
    fake_feishu.attach_ws(ws.base_url)
    try:
        with served_bot(tmp_path, **{**feishu_env(fake_feishu, "ws"), "FEISHU_ENCRYPT_KEY": ""}) as bot:
            assert ws.wait_for_connections(1, 20)
            assert health(bot)["processing"] == "worker process"
            event = message_event(
                event_id="ev_wp_ws", message_id="om_wp_ws", chat_id="oc_wp", text="/帮助", token=VERIFICATION_TOKEN
            )
            acked = ws.push_event(event)
            assert acked is not None and acked["code"] == 200
            assert wait_until(lambda: replies_to(fake_feishu, "om_wp_ws") == 1, timeout=30)
            assert ws.connections == 1  # in the server: the worker opened none
    finally:
        ws.stop()
