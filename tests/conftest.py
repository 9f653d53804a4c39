"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), a sandbox chat on it, a team's own copy of the playbooks, the fake
Feishu Open API, and an HTTP client."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot.core.db import make_engine
from tests.chat import SandboxChat
from tests.fakes.feishu_openapi import FakeFeishu, reset_lark_token_cache
from tests.support import BUNDLED_PLAYBOOKS


@pytest.fixture
def db_url(tmp_path) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'crisisbot.db'}"
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        # A connection an earlier test left open must not block the reset (and so this test).
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


@pytest.fixture
def chat(db_url) -> Iterator[SandboxChat]:
    """A group talking to the real pipeline on `db_url`, with the bundled playbooks."""
    driver = SandboxChat(db_url)
    yield driver
    driver.close()


@pytest.fixture
def playbook_copy(tmp_path) -> Path:
    """A team's own copy of the bundled playbooks (PLAYBOOK_DIR), free to edit."""
    folder = tmp_path / "playbooks"
    shutil.copytree(BUNDLED_PLAYBOOKS, folder)
    return folder


@pytest.fixture
def fake_feishu() -> Iterator[FakeFeishu]:
    reset_lark_token_cache()
    fake = FakeFeishu().start()
    yield fake
    fake.stop()
    reset_lark_token_cache()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client
