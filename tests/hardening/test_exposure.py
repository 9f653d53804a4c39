"""Issue 15, item 12: outside the sandbox the bot publishes no API schema."""

from __future__ import annotations

import httpx

from bot.app import create_app
from tests.support import feishu_settings, make_settings, serve


def test_the_webhook_mode_serves_no_openapi_schema(db_url, fake_feishu):
    app = create_app(feishu_settings(db_url, fake_feishu, sweep_interval_seconds=3600))
    with serve(app) as url:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert httpx.get(url + path, timeout=10).status_code == 404
        assert httpx.get(url + "/healthz", timeout=10).status_code == 200


def test_the_sandbox_keeps_its_schema(db_url):
    app = create_app(make_settings(db_url, sweep_interval_seconds=3600))
    with serve(app) as url:
        assert httpx.get(url + "/openapi.json", timeout=10).status_code == 200
