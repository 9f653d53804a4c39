"""The composition root: builds the FastAPI app and wires the transport for the mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.clock.now import utcnow
from bot.config import Mode, Settings, get_settings
from bot.core import db, health, llm
from bot.core.messenger import ChatReader, Messenger
from bot.core.runtime import Runtime

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
        tasks=_task_mirror(settings),
        llm=llm.from_settings(settings),
        now_fn=clock,
    )
    docs = _docs_worker(settings, runtime)

    background = [part for part in (runtime, docs) if part is not None]

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        forked = app.state.worker_process
        if forked is None:
            db.upgrade(settings.database_url)
            for part in background:
                part.start()
        else:  # fork_workers: upgraded, and the background work runs in the worker process
            forked.watch()
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
            if forked is None:
                for part in reversed(background):
                    part.stop()
            else:
                forked.stop()
            engine.dispose()

    # No API docs or schema outside the sandbox: a public webhook host describes nothing about itself.
    openapi_url = "/openapi.json" if mode is Mode.sandbox else None
    app = FastAPI(title="crisis-retro-bot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=openapi_url)
    app.state.runtime = runtime
    app.state.docs_worker = docs
    app.state.background = background
    app.state.worker_process = None
    app.state.settings = settings

    if mode is Mode.sandbox and settings.sandbox_password:
        from bot.sandbox.login import require_password

        app.middleware("http")(require_password(settings.sandbox_password))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        found = health.check(engine, settings, mode=mode.value, now=runtime.wall_fn())
        if app.state.worker_process is not None:
            found.body.update(app.state.worker_process.describe())
        return JSONResponse(found.body, status_code=200 if found.ok else 503)

    from bot.retro.report_page import RENDERS, ReportPages

    pages = ReportPages(engine, settings)
    page_slots = asyncio.Semaphore(RENDERS + 1)  # requests beyond these wait here, holding no worker thread
    app.state.report_pages = pages

    def open_report(incident_id: int, sig: str, exp: str) -> HTMLResponse:
        from bot.retro import links as reportlinks

        with Session(engine) as session:
            opens = reportlinks.valid(session, settings, incident_id, sig, exp, now=runtime.now_fn())
            session.commit()  # the secret, made the first time it is needed
        if not opens:
            return HTMLResponse("<h1>链接无效或已过期</h1>", status_code=403)
        html = pages.page(incident_id, now=runtime.now_fn())
        if html is None:
            return HTMLResponse("<h1>没有这个事件</h1>", status_code=404)
        return HTMLResponse(html)

    @app.get("/reports/{incident_id}", response_class=HTMLResponse)
    async def report_page(incident_id: int, sig: str = "", exp: str = "") -> HTMLResponse:
        async with page_slots:
            return await run_in_threadpool(open_report, incident_id, sig, exp)

    if mode in (Mode.ws, Mode.webhook):
        from bot.feishu import dispatcher as feishu_dispatcher

        def record(payload: dict) -> bool:
            return runtime.record("feishu", feishu_events.keys(payload), payload)

        if mode is Mode.webhook and not settings.feishu_encrypt_key:
            log.warning(
                "INSECURE (serve --insecure): webhook events are accepted WITHOUT a signature, on the verification "
                "token alone, and can be replayed; never expose this server; set FEISHU_ENCRYPT_KEY"
                if settings.unsigned_webhooks
                else "FEISHU_ENCRYPT_KEY is not configured: every webhook event is refused (503)"
            )
        app.state.dispatcher = feishu_dispatcher.build(
            encrypt_key=settings.feishu_encrypt_key,
            verification_token=settings.feishu_verification_token,
            record=record,
        )
    for inbound in INBOUND_ROUTES[mode]:
        app.include_router(inbound(app, runtime))
    if settings.ingest_token:  # monitoring tools push comments; without a token the endpoint does not exist
        from bot.comments import api as comments_api

        app.include_router(comments_api.router(runtime))
    return app


def fork_workers(app: FastAPI) -> None:
    """`serve` in a Feishu mode (WORKER_PROCESS=on): upgrade the database, then fork the worker process that runs
    the background work (bot.core.worker_process); this process only acknowledges and serves pages."""
    import os

    from bot.core import worker_process

    if not hasattr(os, "fork"):  # Windows: one process
        log.info("no fork() on this platform: processing runs in the serving process")
        return
    runtime: Runtime = app.state.runtime
    db.upgrade(app.state.settings.database_url)
    forked = worker_process.fork(runtime.engine, runtime, app.state.background)
    runtime.remote = forked.wake
    app.state.worker_process = forked


def _feishu_webhook(app: FastAPI, runtime: Runtime) -> APIRouter:
    from bot.feishu import webhook

    return webhook.router(runtime.settings, app.state.dispatcher)


def _sandbox_chat(app: FastAPI, runtime: Runtime) -> APIRouter:
    from bot.sandbox import web

    return web.router(runtime)


# Which inbound HTTP routes exist in which mode: only the live transport is mounted. In ws mode
# events arrive over the long connection, so POST /feishu/events does not exist there (with no
# verification token or encrypt key configured it would accept unsigned events from anyone).
INBOUND_ROUTES: dict[Mode, tuple[Callable[[FastAPI, Runtime], APIRouter], ...]] = {
    Mode.ws: (),
    Mode.webhook: (_feishu_webhook,),
    Mode.sandbox: (_sandbox_chat,),
}


def inbound_summary(settings: Settings) -> list[str]:
    """What `crisisbot check` says about the live inbound transport and the secrets protecting it."""
    mode = settings.mode
    if mode is Mode.sandbox:
        login = (
            "behind SANDBOX_PASSWORD (basic auth)"
            if settings.sandbox_password
            else "without a login, so serve only listens on 127.0.0.1 (set SANDBOX_PASSWORD for other addresses)"
        )
        return [
            f"inbound: sandbox web chat at / and /sandbox/api/* (no Feishu), {login}; "
            "POST /feishu/events is not mounted"
        ]
    if mode is Mode.ws:
        return [
            f"inbound: Feishu long connection (ws) to {settings.feishu_base_url}, authenticated with "
            "FEISHU_APP_ID + FEISHU_APP_SECRET; POST /feishu/events is not mounted (404)"
        ]
    window = settings.webhook_replay_window_seconds
    lines = ["inbound: Feishu webhook POST /feishu/events"]
    if settings.feishu_verification_token:
        lines.append("  protected by FEISHU_VERIFICATION_TOKEN: events without the token are refused (403)")
    if settings.feishu_encrypt_key:
        lines.append(
            "  protected by FEISHU_ENCRYPT_KEY: bodies AES-256 encrypted, sha256 signature checked, "
            f"timestamps outside {window} s refused (401)"
        )
    else:
        lines.append(
            "  warning: FEISHU_ENCRYPT_KEY is unset, so events are refused (only `serve --insecure`, for local tests, "
            "accepts unsigned events); set an Encrypt Key under 加密策略 in the Feishu console"
        )
    return lines


def _task_mirror(settings: Settings):
    """FEISHU_TASKS=on with Feishu configured: action items are mirrored as Feishu Tasks (bot.followups.task_sync)."""
    if not settings.feishu_tasks or settings.mode is Mode.sandbox:
        return None
    from bot.feishu.client import build_client
    from bot.feishu.tasks import FeishuTaskMirror

    return FeishuTaskMirror(build_client(settings), settings.feishu_app_id)


def _docs_worker(settings: Settings, runtime: Runtime):
    """The worker writing retros as Feishu Docs (issue 14), off the webhook's path: only with a Feishu app and
    FEISHU_DOC_FOLDER_TOKEN."""
    if settings.mode is Mode.sandbox or not settings.feishu_doc_folder_token:
        return None
    from bot.core.workers import Worker
    from bot.feishu.client import build_client
    from bot.feishu.docs import FeishuDocs
    from bot.retro import documents

    writer = FeishuDocs(build_client(settings), settings.feishu_app_id, settings.feishu_doc_folder_token)

    def step() -> float | None:
        wait = documents.write_due(runtime.engine, settings, writer, now=runtime.wall_fn())
        if wait == 0:
            runtime.wake_here("outbox")  # the link (or the refusal) goes out now
        return wait

    return Worker("docs", step, idle=1.0)


def _transport(settings: Settings, engine) -> tuple[Messenger, ChatReader]:
    """The messenger and reader of the configured mode."""
    if settings.mode is Mode.sandbox:
        from bot.sandbox.messenger import SandboxMessenger
        from bot.sandbox.reader import SandboxReader

        return SandboxMessenger(engine), SandboxReader(engine)
    from bot.feishu.client import FeishuMessenger, FeishuReader, build_client

    client = build_client(settings)
    return FeishuMessenger(client, settings.feishu_app_id), FeishuReader(client, settings.feishu_app_id)
