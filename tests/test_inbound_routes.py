"""Which HTTP routes exist in which mode: only the live inbound transport is mounted."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.config import Mode
from tests.support import feishu_settings, make_settings

COMMON = {("GET", "/healthz"), ("GET", "/reports/{incident_id}")}
WEBHOOK = {("POST", "/feishu/events")}
SANDBOX = {
    ("GET", "/"),
    ("GET", "/sandbox/api/messages"),
    ("POST", "/sandbox/api/messages"),
    ("POST", "/sandbox/api/actions"),
    ("POST", "/sandbox/api/join"),
    ("GET", "/sandbox/api/files/{row_id}"),
    ("POST", "/sandbox/api/uploads"),
    ("GET", "/sandbox/api/export"),
    ("GET", "/sandbox/api/board"),
}
EXPECTED = {Mode.ws: COMMON, Mode.webhook: COMMON | WEBHOOK, Mode.sandbox: COMMON | SANDBOX}
INGEST = {("POST", "/api/incidents/{incident_id}/comments")}  # only with INGEST_TOKEN


def routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, included routers too, from its OpenAPI description."""
    return {(method.upper(), path) for path, operations in app.openapi()["paths"].items() for method in operations}


@pytest.mark.parametrize("mode", list(Mode))
def test_each_mode_mounts_exactly_its_inbound_routes(db_url, fake_feishu, mode):
    if mode is Mode.sandbox:
        settings = make_settings(db_url)
    else:
        settings = feishu_settings(db_url, fake_feishu, feishu_mode=mode.value)
    assert settings.mode is mode
    assert routes(create_app(settings)) == EXPECTED[mode]


@pytest.mark.parametrize("mode", list(Mode))
def test_the_ingest_endpoint_exists_in_every_mode_only_with_a_token(db_url, fake_feishu, mode):
    if mode is Mode.sandbox:
        settings = make_settings(db_url, ingest_token="tok")
    else:
        settings = feishu_settings(db_url, fake_feishu, feishu_mode=mode.value, ingest_token="tok")
    assert routes(create_app(settings)) - EXPECTED[mode] == INGEST
