"""The composition root: builds the FastAPI app and wires the transport for the mode."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot import db, inbox, llm, outbox
from bot.config import Mode, Settings, get_settings
from bot.messenger import ChatReader, Messenger
from bot.runtime import Runtime
from bot.timeutil import utcnow

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, messenger: Messenger | None = None, clock: Callable[[], datetime] = utcnow
) -> FastAPI:
    """`clock` is the time the bot believes it is (tests drive it; production uses the real one)."""
    from bot.feishu import events as feishu_events
    from bot.sandbox import events as sandbox_events
    from handlers import build_router

    settings = settings or get_settings()
    engine = db.make_engine(settings.database_url)
    mode = settings.mode
    default_messenger, reader = _transport(settings, engine)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        router=build_router(),
        adapters={"feishu": feishu_events.to_event, "sandbox": sandbox_events.to_event},
        messenger=messenger or default_messenger,
        reader=reader,
        llm=llm.from_settings(settings),
        now_fn=clock,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        db.upgrade(settings.database_url)
        runtime.start()
        connection = None
        if mode is Mode.ws:
            from bot.feishu import ws

            connection = ws.connect(settings, app.state.dispatcher)
        log.info("crisis-retro-bot running in %s mode", mode.value)
        try:
            yield
        finally:
            if connection is not None:
                connection.stop()
            runtime.stop()
            engine.dispose()

    app = FastAPI(title="crisis-retro-bot", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    app.state.settings = settings

    @app.get("/healthz")
    def healthz() -> dict:
        with Session(engine) as session:
            session.exec(sa.select(1))
            return {
                "status": "ok",
                "mode": mode.value,
                "inbox": inbox.counts(session),
                "outbox_pending": outbox.pending_count(session),
            }

    @app.get("/reports/{incident_id}", response_class=HTMLResponse)
    def report_page(incident_id: int, sig: str = "") -> HTMLResponse:
        from bot import reportlinks, retrospective
        from bot.models import Incident

        with Session(engine) as session:
            key = reportlinks.secret(session, settings)
            session.commit()
            if not reportlinks.valid(incident_id, sig, key):
                return HTMLResponse("<h1>链接无效或已过期</h1>", status_code=403)
            incident = session.get(Incident, incident_id)
            if incident is None:
                return HTMLResponse("<h1>没有这个事件</h1>", status_code=404)
            return HTMLResponse(retrospective.html_for(session, incident, settings))

    if mode in (Mode.ws, Mode.webhook):
        from bot.feishu import dispatcher as feishu_dispatcher
        from bot.feishu import webhook

        def record(payload: dict) -> bool:
            return runtime.record("feishu", feishu_events.keys(payload), payload)

        app.state.dispatcher = feishu_dispatcher.build(
            encrypt_key=settings.feishu_encrypt_key,
            verification_token=settings.feishu_verification_token,
            record=record,
        )
        app.include_router(webhook.router(settings, app.state.dispatcher))
    else:
        from bot.sandbox import web

        app.include_router(web.router(runtime))
    return app


def _transport(settings: Settings, engine) -> tuple[Messenger, ChatReader]:
    """The messenger and reader of the configured mode."""
    if settings.mode is Mode.sandbox:
        from bot.sandbox.messenger import SandboxMessenger
        from bot.sandbox.reader import SandboxReader

        return SandboxMessenger(engine), SandboxReader(engine)
    from bot.feishu.client import FeishuMessenger, FeishuReader, build_client

    client = build_client(settings)
    return FeishuMessenger(client, settings.feishu_app_id), FeishuReader(client, settings.feishu_app_id)
