"""Sandbox routes: the chat page at `/` and its small JSON API. Posting here goes through
the same inbox → router → outbox pipeline as Feishu events."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from bot.clock.now import from_millis
from bot.core.messages import Mention
from bot.core.models import OutboxMessage
from bot.core.runtime import Runtime
from bot.core.wording import environment, render
from bot.sandbox import board, events
from bot.sandbox.members import BOT, CHAT_NAME, DEFAULT_CHAT, MEMBERS, name_of
from bot.sandbox.models import SandboxMessage

FILE_KINDS = ("file", "image")
FILE_TYPES = {"md": "text/markdown; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8"}


class PostMessage(BaseModel):
    chat_id: str = Field(default=DEFAULT_CHAT, min_length=1, max_length=128)
    chat_type: Literal["group", "p2p"] = "group"
    sender_id: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=20_000)
    mention_ids: list[str] = Field(default_factory=list)


class PressButton(BaseModel):
    chat_id: str = Field(default=DEFAULT_CHAT, min_length=1, max_length=128)
    sender_id: str = Field(min_length=1, max_length=128)
    message_id: str = ""
    value: dict[str, Any]


def _mentions(text: str, ids: list[str]) -> list[dict[str, Any]]:
    """Each chosen member's `@name` in the text becomes a mention at its offset."""
    found = []
    for user_id in ids:
        label = f"@{name_of(user_id)}"
        start = text.find(label)
        while start != -1:
            found.append(Mention(user_id=user_id, name=name_of(user_id), offset=start).__dict__)
            start = text.find(label, start + len(label))
    return sorted(found, key=lambda m: m["offset"])


def router(runtime: Runtime) -> APIRouter:
    api = APIRouter()
    api.include_router(board.router(runtime))
    known = {m.user_id for m in MEMBERS}

    def _now_ms() -> int:
        """The sandbox is the platform here: it stamps a message with the bot's clock."""
        return int(runtime.now_fn().timestamp() * 1000)

    def _record(payload: dict[str, Any]) -> None:
        runtime.record("sandbox", events.keys(payload), payload)

    @api.get("/", response_class=HTMLResponse)
    def page() -> str:
        template = environment().get_template("sandbox/page.html")
        return template.render(
            members=MEMBERS,
            bot=BOT,
            chat_id=DEFAULT_CHAT,
            chat_name=CHAT_NAME,
            timezone=runtime.settings.bot_timezone,  # message times as the bot shows times, not the browser's zone
        )

    @api.get("/sandbox/api/messages")
    def transcript(
        chat_id: str = DEFAULT_CHAT, after: int = Query(0, ge=0), since: int | None = Query(None, ge=0)
    ) -> list[dict[str, Any]]:
        """Messages after id `after`; with `since` (what the page polls), those written or updated after that
        revision, so a card updated in place is drawn again in its bubble."""
        query = select(SandboxMessage).where(SandboxMessage.chat_id == chat_id, SandboxMessage.id > after)
        if since is not None:
            query = query.where(SandboxMessage.revision > since)
        order = SandboxMessage.id if since is None else SandboxMessage.revision
        with Session(runtime.engine) as session:
            rows = session.exec(query.order_by(order).limit(500)).all()
        return [
            {
                "id": row.id,
                "revision": row.revision,
                "message_id": f"sb_{row.id}",
                "sender_name": row.sender_name,
                "from_bot": row.from_bot,
                "kind": row.kind,
                "text": row.text,
                "card": json.loads(row.payload) if row.payload and row.kind == "card" else None,
                "file_url": f"/sandbox/api/files/{row.id}" if row.kind in FILE_KINDS and row.from_bot else None,
                "at": row.created_at.isoformat(),
            }
            for row in rows
        ]

    @api.get("/sandbox/api/files/{row_id}")
    def sent_file(row_id: int) -> Response:
        """A file or image the bot sent: the bytes kept with its outbox row. A file downloads (the Markdown
        retro opens in the editor it belongs to); an image shows inline."""
        with Session(runtime.engine) as session:
            row = session.get(SandboxMessage, row_id)
            if row is None or not row.from_bot or row.kind not in FILE_KINDS or row.uuid is None:
                raise HTTPException(404)
            sent = session.exec(select(OutboxMessage).where(OutboxMessage.uuid == row.uuid)).first()
        if sent is None or sent.content is None:
            raise HTTPException(404)
        if row.kind == "image":
            return Response(sent.content, media_type="image/png")
        name = row.text or f"file-{row_id}"
        return Response(
            sent.content,
            media_type=FILE_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream"),
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    @api.get("/sandbox/api/export")
    def export_conversation(chat_id: str = DEFAULT_CHAT) -> Response:
        """导出对话: the group's conversation in the format `crisisbot replay` reads."""
        from bot.replay import export

        with Session(runtime.engine) as session:
            document = export.conversation(session, chat_id, runtime.settings.tz)
        return Response(
            export.as_yaml(document),
            media_type="application/yaml; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(render('sandbox/export_name'))}"},
        )

    @api.post("/sandbox/api/messages", status_code=202)
    def post_message(body: PostMessage) -> dict[str, Any]:
        if body.sender_id not in known:
            raise HTTPException(400, render("sandbox/unknown_member"))
        now_ms = _now_ms()
        with Session(runtime.engine) as session:
            row = SandboxMessage(
                chat_id=body.chat_id,
                sender_id=body.sender_id,
                sender_name=name_of(body.sender_id),
                text=body.text,
                created_at=from_millis(now_ms),  # the event's own time, so a backfill window finds it
            )
            session.add(row)
            session.commit()
            message_id = f"sb_{row.id}"
        _record(
            {
                "type": "message",
                "event_id": f"sb-ev-{uuid.uuid4()}",
                "message_id": message_id,
                "chat_id": body.chat_id,
                "chat_type": body.chat_type,
                "sender_id": body.sender_id,
                "sender_name": name_of(body.sender_id),
                "text": body.text,
                "mentions": _mentions(body.text, body.mention_ids),
                "create_time_ms": now_ms,
            }
        )
        return {"message_id": message_id}

    @api.post("/sandbox/api/uploads", status_code=202)
    def post_file(
        file: UploadFile = File(...), sender_id: str = Form(...), chat_id: str = Form(DEFAULT_CHAT)
    ) -> dict[str, Any]:
        """A member posts a file in the group (the page's file picker), as a Feishu file message: a comment file is
        imported by the same path (the reader hands the bytes back from the transcript)."""
        if sender_id not in known:
            raise HTTPException(400, render("sandbox/unknown_member"))
        limit = runtime.settings.import_max_mb * 1024 * 1024
        content = file.file.read(limit + 1)
        if len(content) > limit:
            raise HTTPException(413, render("sandbox/upload_too_large", limit_mb=runtime.settings.import_max_mb))
        name = (file.filename or "file").rsplit("/", 1)[-1][:200]
        text = render("feishu/non_text_message", message_type="file", name=name)
        now_ms = _now_ms()
        with Session(runtime.engine) as session:
            row = SandboxMessage(
                chat_id=chat_id,
                sender_id=sender_id,
                sender_name=name_of(sender_id),
                kind="file",
                text=text,
                payload=json.dumps({"name": name, "content": base64.b64encode(content).decode()}),
            )
            session.add(row)
            session.commit()
            message_id = f"sb_{row.id}"
        _record(
            {
                "type": "message",
                "event_id": f"sb-ev-{uuid.uuid4()}",
                "message_id": message_id,
                "chat_id": chat_id,
                "chat_type": "group",
                "sender_id": sender_id,
                "sender_name": name_of(sender_id),
                "text": text,
                "message_type": "file",
                "attachments": [{"kind": "file", "key": f"sbfile_{message_id}", "name": name}],
                "create_time_ms": now_ms,
            }
        )
        return {"message_id": message_id}

    @api.post("/sandbox/api/actions", status_code=202)
    def press_button(body: PressButton) -> dict[str, str]:
        if body.sender_id not in known:
            raise HTTPException(400, render("sandbox/unknown_member"))
        _record(
            {
                "type": "card_action",
                "event_id": f"sb-ev-{uuid.uuid4()}",
                "message_id": body.message_id,
                "chat_id": body.chat_id,
                "sender_id": body.sender_id,
                "value": body.value,
                "create_time_ms": _now_ms(),
            }
        )
        return {"toast": render("core/card_received")}

    @api.post("/sandbox/api/join", status_code=202)
    def join(chat_id: str = DEFAULT_CHAT) -> dict[str, bool]:
        """The page calls this once: the bot 'joins' the sandbox group and greets it."""
        payload = {
            "type": "bot_added",
            "event_id": f"sb-join-{chat_id}",
            "chat_id": chat_id,
            "sender_id": MEMBERS[0].user_id,
            "create_time_ms": _now_ms(),
        }
        stored = runtime.record("sandbox", events.keys(payload), payload)
        return {"greeted": stored}

    return api
