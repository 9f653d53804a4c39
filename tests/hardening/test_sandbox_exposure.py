"""Issue 15, item 11: the sandbox lets anyone post as any member, so it listens on loopback unless told
otherwise, and refuses any other address without SANDBOX_PASSWORD, which the page and its API then ask for."""

from __future__ import annotations

import base64

import httpx

from bot.app import create_app
from bot.sandbox.members import MEMBERS
from tests.served_bot import served_bot
from tests.support import ROOT, free_port, make_settings, run_cli, serve

PASSWORD = "crisis-sandbox-4b1e"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_sandbox_refuses_every_interface_without_a_password(tmp_path):
    result = run_cli(["serve", "--host", "0.0.0.0", "--port", str(free_port())], tmp_path)
    assert result.returncode == 1
    assert "SANDBOX_PASSWORD" in result.stderr and "127.0.0.1" in result.stderr


def test_the_image_serves_every_interface_so_its_sandbox_needs_the_password():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["serve", "--host", "0.0.0.0"' in dockerfile  # what the container runs with an empty .env
    assert "SANDBOX_PASSWORD" in (ROOT / "docs" / "docker.md").read_text(encoding="utf-8")


def test_serve_listens_on_loopback_by_default(tmp_path):
    with served_bot(tmp_path) as bot:
        assert bot.http.get(f"{bot.url}/healthz").status_code == 200
    assert "127.0.0.1" in bot.log()


def test_with_a_password_the_page_and_its_api_ask_for_it(db_url):
    app = create_app(make_settings(db_url, sandbox_password=PASSWORD))
    with serve(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        impersonation = {"sender_id": MEMBERS[0].user_id, "text": "/危机 结束"}
        for response in (
            http.get("/"),
            http.get("/sandbox/api/messages"),
            http.post("/sandbox/api/messages", json=impersonation),
            http.post("/sandbox/api/messages", json=impersonation, headers=basic("ou_ceo", "guess")),
            http.get("/", headers={"Authorization": "Bearer " + PASSWORD}),
        ):
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Basic")
        assert http.get("/healthz").status_code == 200
        assert http.get("/", headers=basic("me", PASSWORD)).status_code == 200
        posted = http.post(
            "/sandbox/api/messages", json={"sender_id": MEMBERS[0].user_id, "text": "hi"}, headers=basic("", PASSWORD)
        )
        assert posted.status_code == 202


def test_with_a_password_every_interface_is_allowed(tmp_path):
    with served_bot(tmp_path, "--host", "0.0.0.0", SANDBOX_PASSWORD=PASSWORD) as bot:
        assert bot.http.get(f"{bot.url}/sandbox/api/messages").status_code == 401
        assert bot.http.get(f"{bot.url}/sandbox/api/messages", headers=basic("x", PASSWORD)).status_code == 200
