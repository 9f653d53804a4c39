"""Issue 15, item 10: webhook mode requires the encrypt key — every event's signature and timestamp are checked;
the static verification token alone is accepted only by `serve --insecure` (local testing), loudly logged."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest

from bot.app import create_app
from tests.fakes.feishu_webhook import message_event
from tests.support import VERIFICATION_TOKEN, feishu_settings, run_cli, serve, table_counts

APP = {"FEISHU_APP_ID": "cli_x", "FEISHU_APP_SECRET": "s", "FEISHU_MODE": "webhook"}


def plaintext_event(n: int) -> dict:
    return message_event(
        event_id=f"ev_plain_{n}",
        message_id=f"om_plain_{n}",
        chat_id="oc_plain",
        text="/帮助",
        sender_open_id="ou_attacker",
        token=VERIFICATION_TOKEN,
    )


def post_plain(url: str, payload: dict, **headers: str) -> httpx.Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return httpx.post(f"{url}/feishu/events", content=body, headers={"Content-Type": "application/json", **headers})


def test_without_an_encrypt_key_a_token_only_event_is_refused(db_url, fake_feishu, caplog):
    caplog.set_level(logging.WARNING)
    app = create_app(feishu_settings(db_url, fake_feishu, feishu_encrypt_key=""))
    assert "every webhook event is refused" in caplog.text
    with serve(app) as url:
        response = post_plain(url, plaintext_event(1))
        assert response.status_code == 503
        assert table_counts(db_url)["inbox_event"] == 0


def test_insecure_mode_accepts_the_token_alone_but_says_so_and_keeps_a_replay_window(db_url, fake_feishu, caplog):
    caplog.set_level(logging.WARNING)
    settings = feishu_settings(db_url, fake_feishu, feishu_encrypt_key="").allowing_unsigned_webhooks()
    assert settings.problems() == []
    app = create_app(settings)
    assert "INSECURE" in caplog.text
    with serve(app) as url:
        assert post_plain(url, plaintext_event(1)).status_code == 200
        stale = str(int(time.time()) - 3600)
        assert post_plain(url, plaintext_event(2), **{"X-Lark-Request-Timestamp": stale}).status_code == 401
        wrong = {**plaintext_event(3), "header": {**plaintext_event(3)["header"], "token": "guess"}}
        assert post_plain(url, wrong).status_code == 403


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"FEISHU_VERIFICATION_TOKEN": "vt"}, "FEISHU_MODE=webhook needs FEISHU_ENCRYPT_KEY"),
        ({"FEISHU_VERIFICATION_TOKEN": " ", "FEISHU_ENCRYPT_KEY": "k"}, "needs FEISHU_VERIFICATION_TOKEN"),
        ({"FEISHU_VERIFICATION_TOKEN": "vt", "FEISHU_ENCRYPT_KEY": "   "}, "needs FEISHU_ENCRYPT_KEY"),
    ],
)
def test_check_refuses_webhook_mode_without_real_secrets(tmp_path, env, problem):
    result = run_cli(["check"], tmp_path, **APP, **env)
    assert result.returncode == 1
    assert problem in result.stderr


def test_serve_refuses_webhook_mode_without_an_encrypt_key(tmp_path):
    result = run_cli(["serve", "--port", "1"], tmp_path, **APP, FEISHU_VERIFICATION_TOKEN="vt")
    assert result.returncode == 1
    assert "needs FEISHU_ENCRYPT_KEY" in result.stderr and "--insecure" in result.stderr
