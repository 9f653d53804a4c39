"""What the fault suite (bench/faults.py) drives and checks.

- `Feishu`: delivers signed, encrypted event bodies the way Feishu does: a request that does not get a 200 (an
  error status, a dropped connection, no answer within 3 s) is delivered again until it does; `copies` > 1
  redelivers events that were already acknowledged.
- `InProcessBot`: the real app (``bot.app.create_app``) served on loopback in this process, so a scenario can move
  its clock (a wall clock that runs, plus an offset) and reach its database engine to make SQLite refuse writes.
  A real ``crisisbot serve`` process is ``bench.webhook.start_app``.
- `check`: every event stored once and processed (``bench.webhook.verify``), every ``/help`` answered once, the
  replies of each chat in the order the bot accepted their events, at most one 网络恢复 notice per chat.

Events, keys and the verification come from bench/webhook.py; settings and serving from tests/support.py.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from bench.webhook import ENCRYPT_KEY, VERIFICATION_TOKEN, Batch, slow_fake_class, verify
from bot.clock.now import utcnow
from bot.core.db import make_engine
from tests.fakes.feishu_webhook import signed_headers

FEISHU_ACK_TIMEOUT = 3.0  # Feishu counts an event as undelivered when the 200 takes longer
DELAY_NOTICE = "网络恢复"  # how the outbox's late-delivery notice begins (bot/templates)


# ----- Feishu, the sender ---------------------------------------------------------------------------


@dataclass
class Delivery:
    """Counts of one `Feishu.send`: requests made, 200s, and the other answers by kind."""

    requests: int = 0
    acked: int = 0
    refused: Counter = field(default_factory=Counter)
    unacked: int = 0  # copies still without a 200 when the deadline passed


class Feishu:
    """Posts each body (fresh signature per request) until the bot answers 200; `target()` names the URL to
    use for each request (a restarted process on a new port, or one of several replicas)."""

    def __init__(self, target: Callable[[], str], *, concurrency: int = 8, timeout: float = FEISHU_ACK_TIMEOUT):
        self.target = target
        self.concurrency = concurrency
        self.timeout = timeout
        self.stats = Delivery()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._deadline = 0.0

    @property
    def acked(self) -> int:
        return self.stats.acked

    @property
    def refused(self) -> int:
        return sum(self.stats.refused.values())

    def send(self, bodies: list[bytes], *, copies: int = 1, seed: int = 0, deadline_s: float = 600.0) -> Feishu:
        """Start delivering in the background: every body `copies` times, the copies shuffled together. Each
        call adds its own senders; `wait` waits for all of them."""
        order = [body for body in bodies for _ in range(copies)]
        if copies > 1:
            random.Random(seed).shuffle(order)
        work = iter(order)
        self._deadline = max(self._deadline, time.monotonic() + deadline_s)
        threads = [
            threading.Thread(target=self._worker, args=(work,), daemon=True, name=f"feishu-{i}")
            for i in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        self._threads += threads
        return self

    def wait(self) -> Delivery:
        for thread in self._threads:
            thread.join(max(0.0, self._deadline - time.monotonic()) + 5)
        return self.stats

    def _worker(self, work: Iterator[bytes]) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                with self._lock:
                    body = next(work, None)
                if body is None:
                    return
                self._deliver(client, body)

    def _deliver(self, client: httpx.Client, body: bytes) -> None:
        for attempt in itertools.count():
            try:
                response = client.post(
                    f"{self.target()}/feishu/events", content=body, headers=signed_headers(body, ENCRYPT_KEY)
                )
                outcome = str(response.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            with self._lock:
                self.stats.requests += 1
                if outcome == "200":
                    self.stats.acked += 1
                    return
                self.stats.refused[outcome] += 1
            if time.monotonic() > self._deadline:
                with self._lock:
                    self.stats.unacked += 1
                return
            time.sleep(min(1.0, 0.05 * 2**attempt))  # Feishu waits longer between retries; the order is the same


# ----- the Open API -------------------------------------------------------------------------------


def start_fake():
    """bench/webhook.py's fake Open API (sends can be slowed with `send_delay`) that also notices when a send to a
    chat begins while a different send to the same chat is still in flight: then their order in the chat is up to
    the network, whatever the fake records (`overlaps`, per chat)."""
    from tests.fakes.feishu_openapi import reset_lark_token_cache

    class WatchedFake(slow_fake_class()):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.overlaps: Counter = Counter()
            self.known_chats: dict[str, str] = {}  # message id → chat id of the events the scenario sends
            self._in_flight: dict[str, set[str]] = {}
            self._watch = threading.Lock()

        def _dispatch(self, call):
            chat, uuid = self._send_of(call)
            if chat is None:
                return super()._dispatch(call)
            with self._watch:
                flying = self._in_flight.setdefault(chat, set())
                if flying - {uuid}:
                    self.overlaps[chat] += 1
                flying.add(uuid)
            try:
                return super()._dispatch(call)
            finally:
                with self._watch:
                    flying.discard(uuid)

        def _chat_of(self, message_id: str) -> str | None:
            return self.known_chats.get(message_id) or super()._chat_of(message_id)

        def _send_of(self, call) -> tuple[str | None, str]:
            body = call.json or {}
            if call.method != "POST" or not call.path.startswith("/open-apis/im/v1/messages"):
                return None, ""
            if call.path.endswith("/reply"):
                return self._chat_of(call.path.split("/")[-2]), str(body.get("uuid"))
            if call.path.rstrip("/") == "/open-apis/im/v1/messages" and call.query.get("receive_id_type") == "chat_id":
                return body.get("receive_id"), str(body.get("uuid"))
            return None, ""

    reset_lark_token_cache()
    return WatchedFake().start()


def message_chats(batch: Batch) -> dict[str, str]:
    """Message id → chat id of each event in the batch (read back from the encrypted bodies)."""
    import json

    from lark_oapi.core.utils import AESCipher

    cipher, chats = AESCipher(ENCRYPT_KEY), {}
    for body in batch.bodies:
        message = json.loads(cipher.decrypt_str(json.loads(body)["encrypt"]))["event"]["message"]
        chats[message["message_id"]] = message["chat_id"]
    return chats


# ----- the bot in this process ----------------------------------------------------------------------


class RunningClock:
    """A wall clock that runs, `offset` ahead of the real one: `advance` makes hours pass at once."""

    def __init__(self) -> None:
        self.offset = timedelta(seconds=1)  # ahead of the wall: rows queued just now are already due

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


class InProcessBot:
    """`create_app` in webhook mode on `db_url`, served on loopback; `clock` is both the business clock and the
    wall clock the outbox retries on."""

    def __init__(self, db_url: str, fake, *, clock: Callable[[], datetime] | None = None, **settings: Any) -> None:
        from bot.app import create_app
        from tests.support import feishu_settings

        values = {"feishu_encrypt_key": ENCRYPT_KEY, "feishu_verification_token": VERIFICATION_TOKEN}
        values.update(settings)
        self.db_url = db_url
        self.app = create_app(feishu_settings(db_url, fake, **values), clock=clock or utcnow)
        self.runtime = self.app.state.runtime
        if clock is not None:
            self.runtime.wall_fn = clock  # the outbox's retries and /healthz's stuck sends follow it too
        self.url = ""

    @contextmanager
    def serving(self) -> Iterator[InProcessBot]:
        from tests.support import serve

        with serve(self.app) as url:
            self.url = url
            yield self

    def health(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/healthz", timeout=10)
        return {"http": response.status_code, **response.json()}


def let_outbox_try(bot: InProcessBot, timeout: float) -> None:
    """Wake the outbox and wait until every event is processed and no chat's first pending send is due."""
    from sqlalchemy.orm import aliased
    from sqlmodel import Session, select

    from bot.core.models import OutboxMessage

    earlier = aliased(OutboxMessage)
    head = (
        ~select(earlier.id)
        .where(earlier.chat_id == OutboxMessage.chat_id, earlier.status == "pending", earlier.id < OutboxMessage.id)
        .exists()
    )

    def tried() -> bool:
        with Session(bot.runtime.engine) as session:
            now = bot.runtime.wall_fn()
            due = select(OutboxMessage.id).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, head
            )
            return session.exec(due.limit(1)).first() is None

    bot.runtime.outbox_worker.wake()
    wait_for(lambda: not bot.health()["inbox"].get("pending") and tried(), timeout, "a round of retries")


# ----- making SQLite refuse writes ------------------------------------------------------------------


@contextmanager
def sqlite_fault(engine: sa.Engine, kind: str) -> Iterator[None]:
    """While inside: the bot's SQLite database is `locked` (another connection holds the write lock), `readonly`
    (every connection of the bot is query-only: SQLITE_READONLY) or `full` (no connection of the bot may grow the
    file: SQLITE_FULL). The bot's pooled connections are replaced so that every new one is affected."""
    if kind == "locked":
        holder = sqlite3.connect(engine.url.database, isolation_level=None, timeout=30)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    if kind == "readonly":
        statement = "PRAGMA query_only=ON"
    elif kind == "full":
        with sqlite3.connect(engine.url.database) as probe:
            pages = probe.execute("PRAGMA page_count").fetchone()[0]
        statement = f"PRAGMA max_page_count={pages}"
    else:
        raise ValueError(f"unknown database fault {kind!r}")

    def limit(dbapi_conn, _record) -> None:
        dbapi_conn.execute(statement)

    sa.event.listen(engine, "connect", limit)
    engine.dispose()  # pooled connections close; connections in use are closed when they come back
    try:
        yield
    finally:
        sa.event.remove(engine, "connect", limit)
        engine.dispose()


# ----- waiting and checking -------------------------------------------------------------------------


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll until `predicate()` holds; RuntimeError naming `what` when it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def idle(url: str) -> bool:
    """Nothing pending in the inbox or the outbox (as /healthz reports them)."""
    try:
        body = httpx.get(f"{url}/healthz", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return False
    return not body.get("inbox", {}).get("pending") and not body.get("outbox_pending")


def replies_seen(fake, batch: Batch) -> bool:
    return batch.help_message_ids <= {m.get("reply_to") for m in fake.sent_messages}


def check(db_url: str, prefix: str, batch: Batch, fake) -> dict[str, Any]:
    """`bench.webhook.verify` plus the order of each chat's replies and the 网络恢复 notices."""
    found = verify(db_url, prefix, batch, fake)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            pattern = {"p": f"ev_{prefix}_%"}
            accepted = {
                message_id: (row_id, chat_id)
                for message_id, row_id, chat_id in conn.execute(
                    sa.text("SELECT message_id, id, chat_id FROM inbox_event WHERE event_id LIKE :p"), pattern
                )
            }
            sends = conn.execute(
                sa.text("SELECT uuid, attempts FROM outbox_message WHERE source_event_id LIKE :p"), pattern
            ).all()
    finally:
        engine.dispose()
    sent = fake.sent_messages
    by_chat: dict[str, list[int]] = {}
    notices: Counter = Counter()
    for message in sent:
        if message.get("reply_to") in accepted:  # a reply: its chat is the chat of the message it answers
            row_id, chat = accepted[message["reply_to"]]
            by_chat.setdefault(chat, []).append(row_id)
        elif (message.get("chat_id") or "").startswith(f"oc_{prefix}_") and message["msg_type"] == "text":
            notices[message["chat_id"]] += message["content"].get("text", "").startswith(DELAY_NOTICE)
    found["failed_send_attempts"] = sum(attempts for _, attempts in sends)
    # A send whose success was never recorded (a kill, a refused commit) goes out again under the same uuid, and
    # Feishu shows it once: how often that happened.
    posted = Counter(
        (call.json or {}).get("uuid") for call in fake.calls_to("/open-apis/im/v1/messages", method="POST")
    )
    found["sends_repeated_same_uuid"] = sum(1 for uuid, _ in sends if posted[uuid] > 1)
    found["concurrent_sends_same_chat"] = sum(
        n for chat, n in getattr(fake, "overlaps", {}).items() if chat and chat.startswith(f"oc_{prefix}_")
    )
    found["chats_with_replies"] = len(by_chat)
    found["chats_out_of_order"] = sorted(chat for chat, ids in by_chat.items() if ids != sorted(ids))
    found["delay_notices"] = sum(notices.values())
    found["chats_told_twice"] = sorted(chat for chat, n in notices.items() if n > 1)
    return found


def problems_of(found: dict[str, Any], delivery: Delivery) -> list[str]:
    """Loss, duplicates and disorder in words; empty when the scenario held."""
    problems = []
    if delivery.unacked:
        problems.append(f"{delivery.unacked} deliveries never acknowledged")
    if found["events_missing"] or found["events_stored"] != found["events_sent"]:
        problems.append(f"lost: {found['events_missing']} of {found['events_sent']} events not stored")
    if found["events_stored_twice"]:
        problems.append(f"duplicated: {found['events_stored_twice']} events stored twice")
    not_done = {k: v for k, v in found["inbox_status"].items() if k != "done"}
    if not_done:
        problems.append(f"not processed: inbox {not_done}")
    if found["help_missing_reply"]:
        problems.append(f"lost: {found['help_missing_reply']} /help without a reply")
    if found["help_replied_twice"]:
        problems.append(f"duplicated: {found['help_replied_twice']} /help answered twice")
    if found["chats_out_of_order"]:
        problems.append(f"out of order: replies in {len(found['chats_out_of_order'])} chats")
    if found["concurrent_sends_same_chat"]:
        problems.append(
            f"out of order possible: {found['concurrent_sends_same_chat']} times a send to a chat began while "
            "another send to the same chat was in flight"
        )
    if found["chats_told_twice"]:
        problems.append(f"duplicated: the 网络恢复 notice twice in {len(found['chats_told_twice'])} chats")
    return problems
