"""`POST /api/incidents/{id}/comments`: monitoring tools push comments (a JSON array, JSONL or CSV body) with
`Authorization: Bearer $INGEST_TOKEN`; the answer is the import summary, or 401/404/413/422 with a reason. A push that
takes the negative share over the alert line queues the group's alert. Mounted only when INGEST_TOKEN is set."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import Session

from bot.comments import alerts, flows, messaging
from bot.comments.problems import ImportRefused
from bot.core import outbox
from bot.core.runtime import Runtime
from bot.core.wording import render


def _problem(status: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse({"error": reason, "message": message}, status_code=status)


def router(runtime: Runtime) -> APIRouter:
    api = APIRouter()
    settings = runtime.settings
    limit = settings.import_max_mb * 1024 * 1024

    def _import(incident_id: int, body: bytes, content_type: str) -> JSONResponse:
        with Session(runtime.engine) as session:
            try:
                incident = flows.incident_for(session, incident_id=incident_id, chat_id=None)
                summary = flows.import_comments(
                    session,
                    incident,
                    body,
                    name="",
                    source="api",
                    settings=settings,
                    now=runtime.now_fn(),
                    content_type=content_type,
                )
            except ImportRefused as refused:
                session.rollback()
                status = {"no_incident": 404, "too_large": 413}.get(refused.reason, 422)
                return _problem(status, refused.reason, messaging.refused_text(refused, where="api"))
            alerted = alerts.alert_messages(session, incident.id, settings=settings, now=runtime.now_fn())
            outbox.enqueue(session, alerted)
            session.commit()
        if alerted:
            runtime.wake("outbox")  # the alert goes out now, not at the outbox's next poll
        return JSONResponse(summary.as_json())

    @api.post("/api/incidents/{incident_id}/comments")
    async def push_comments(incident_id: int, request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), settings.ingest_token.encode()
        ):
            return _problem(401, "unauthorized", render("comments/unauthorized"))
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            refused = ImportRefused("too_large", size=int(declared), limit=limit)
            return _problem(413, refused.reason, messaging.refused_text(refused, where="api"))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                refused = ImportRefused("too_large", size=len(body), limit=limit)
                return _problem(413, refused.reason, messaging.refused_text(refused, where="api"))
        content_type = request.headers.get("content-type", "")
        return await run_in_threadpool(_import, incident_id, bytes(body), content_type)

    return api
