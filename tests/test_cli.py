"""`crisisbot check` and `crisisbot db upgrade` as a user runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from bot.core.db import make_engine
from tests.support import run_cli


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run_cli(args, cwd, **env)


def test_check_passes_on_defaults(tmp_path):
    result = run(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mode=sandbox" in result.stdout


def test_check_reports_every_problem_at_once(tmp_path):
    result = run(
        ["check"],
        tmp_path,
        FEISHU_MODE="webhook",
        FEISHU_ENCRYPT_KEY="k",
        BOT_TIMEZONE="Mars/Base",
        FEISHU_DOMAIN="http://example.com",
        REVIEW_TIME="25:00",
        DRILL_TIME="9点",
        DRILL_DAY="31",
        REVIEW_WORKDAY="40",
    )
    assert result.returncode == 1
    for needle in (
        "FEISHU_APP_ID",
        "FEISHU_APP_SECRET",
        "FEISHU_VERIFICATION_TOKEN",
        "FEISHU_ENCRYPT_KEY",
        "BOT_TIMEZONE",
        "FEISHU_DOMAIN",
        "REVIEW_TIME",
        "DRILL_TIME",
        "DRILL_DAY",
        "REVIEW_WORKDAY",
    ):
        assert needle in result.stderr, needle


def test_check_reads_dotenv(tmp_path):
    (tmp_path / ".env").write_text("FEISHU_MODE=webhook\n", encoding="utf-8")
    result = run(["check"], tmp_path)
    assert result.returncode == 1 and "FEISHU_VERIFICATION_TOKEN" in result.stderr


def test_check_reports_broken_yaml_with_its_path(tmp_path):
    folder = tmp_path / "pb"
    folder.mkdir()
    (folder / "broken.yaml").write_text("steps: [unclosed\n", encoding="utf-8")
    result = run(["check"], tmp_path, PLAYBOOK_DIR=str(folder))
    assert result.returncode == 1 and "broken.yaml" in result.stderr


def test_db_upgrade_is_idempotent(tmp_path, db_url):
    for _ in range(2):
        result = run(["db", "upgrade"], tmp_path, DATABASE_URL=db_url)
        assert result.returncode == 0, result.stderr
    engine = make_engine(db_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"inbox_event", "outbox_message", "alembic_version"} <= tables


def test_check_says_which_inbound_transport_is_live_and_what_protects_it(tmp_path):
    app = {"FEISHU_APP_ID": "cli_x", "FEISHU_APP_SECRET": "s"}
    ws = run(["check"], tmp_path, **app)
    assert ws.returncode == 0, ws.stderr
    assert "long connection" in ws.stdout and "POST /feishu/events is not mounted" in ws.stdout

    signed = run(
        ["check"], tmp_path, FEISHU_MODE="webhook", FEISHU_VERIFICATION_TOKEN="t", FEISHU_ENCRYPT_KEY="k", **app
    )
    assert signed.returncode == 0, signed.stderr
    assert "webhook POST /feishu/events" in signed.stdout
    assert "FEISHU_VERIFICATION_TOKEN" in signed.stdout and "FEISHU_ENCRYPT_KEY" in signed.stdout
    assert "warning" not in signed.stdout

    token_only = run(["check"], tmp_path, FEISHU_MODE="webhook", FEISHU_VERIFICATION_TOKEN="t", **app)
    assert "warning: FEISHU_ENCRYPT_KEY is unset" in token_only.stdout

    sandbox = run(["check"], tmp_path)
    assert "sandbox web chat" in sandbox.stdout and "not mounted" in sandbox.stdout
