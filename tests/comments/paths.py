"""The three ways in, driven for real: a file message in a Feishu group (signed webhook in, the fake Open API's
message-resource endpoint for the bytes, replies out), the sandbox page's file picker, `crisisbot import`, and the
ingest endpoint. Each returns what the bot said or answered."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlmodel import Session, select

from bot.comments.models import Comment
from bot.core.db import make_engine
from tests.fakes.feishu_webhook import message_event
from tests.feishu_group import FeishuGroup
from tests.support import FIXTURES, VERIFICATION_TOKEN, run_cli, wait_until

COMMENT_FILES = FIXTURES / "comments"


def post_file(group: FeishuGroup, name: str, data: bytes, *, chat_id: str | None = None) -> list[str]:
    """A member posts a file in the group (Feishu sends a `file` message; the bytes stay behind the resource API)."""
    before = len(group.fake.sent_messages)
    group.count += 1
    message_id = f"om_file_{group.count}"
    key = f"file_v3_{group.count}"
    group.fake.resources[(message_id, key)] = data
    event = message_event(
        event_id=f"ev_{message_id}",
        message_id=message_id,
        chat_id=chat_id or group.chat_id,
        sender_open_id="ou_ops",
        token=VERIFICATION_TOKEN,
        create_time_ms=int(group.clock.now.timestamp() * 1000),
        message_type="file",
        content={"file_key": key, "file_name": name},
    )
    assert group.post(event).status_code == 200
    assert wait_until(group.idle)
    return [m["content"].get("text", "") for m in group.fake.sent_messages[before:] if m["msg_type"] == "text"]


def cli_import(db_url: str, path: Path, *args: str, cwd: Path, **env: str):
    return run_cli(["import", str(path), *args], cwd, DATABASE_URL=db_url, **env)


def push(url: str, incident_id: int, body: bytes, *, token: str = "tok", content_type: str = "text/csv"):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{url}/api/incidents/{incident_id}/comments", content=body, headers=headers, timeout=30)


def stored(db_url: str, **where) -> list[Comment]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            query = select(Comment).order_by(Comment.id)
            for name, value in where.items():
                query = query.where(getattr(Comment, name) == value)
            return list(session.exec(query))
    finally:
        engine.dispose()


def summary_of(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
