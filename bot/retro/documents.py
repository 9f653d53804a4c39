"""The retro as a document on the chat platform (issue 14: a Feishu Doc in FEISHU_DOC_FOLDER_TOKEN's folder).

`/复盘` and the close of an incident *ask* for it (`request`, inside the command's transaction: one row per
incident, its `revision` bumped by each later retro); the docs worker writes it later (`write_due`), off the
webhook's path, so a slow or failing docs API never holds up a reply. Writing a revision:

1. the document: the one recorded, else — when a create was sent before and its answer lost (crash, timeout) —
   the one in the folder with this incident's title, else a new one (the intent is committed before the create,
   so a crash anywhere never leaves two documents);
2. its body: cleared and written again in full (sections in order, the charts uploaded into their places). A crash
   between block writes leaves a partly written body, which the next attempt clears and rebuilds;
3. read access for the group (once per document), then one line in the group with the link.

A permission the app lacks (a scope not enabled, no edit rights in the folder) becomes one Chinese line in the group
and a log line with the platform's code, and nothing else changes: the row waits (`blocked`) until the next `/复盘`.
Other failures are retried with the outbox's backoff; past the outbox's attempts the group is told once.
The platform side is a `DocWriter` (`bot.feishu.docs`); this module knows no wire format."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock.now import as_utc, utcnow
from bot.config import Settings
from bot.core import outbox
from bot.core.messages import Outbound
from bot.core.wording import render
from bot.incidents.models import Incident
from bot.retro.models import RetroDocument
from bot.retro.outline import Outline, outline

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # longer than any one write (a document is some twenty calls at 3 per second)


@dataclass(frozen=True)
class Placed:
    """A document on the platform: its id and the link people open."""

    document_id: str
    url: str


class DocError(Exception):
    """A docs call that failed. `denied`: a permission the app lacks (`scope`: not enabled; `folder`: no edit
    rights in the folder; `share`: may not add the group as a reader), which retrying cannot fix, `needs` the permission
    to grant; `code` is the platform's error code, `step` what was being done (create, find, write, upload, share)."""

    def __init__(
        self,
        message: str,
        *,
        step: str,
        code: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        denied: str | None = None,
        needs: str = "",
        gone: bool = False,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after
        self.denied = denied
        self.gone = gone  # the recorded document no longer exists (deleted on the platform): make a new one
        self.needs = needs  # the platform's name of the permission to grant, when it knows


class DocWriter(Protocol):
    """What the core needs from a docs platform. Every method raises `DocError`."""

    def find(self, title: str) -> Placed | None:
        """The document with exactly this title in the folder, if any."""
        ...

    def create(self, title: str) -> Placed:
        """A new empty document with this title in the folder."""
        ...

    def rewrite(self, document_id: str, doc: Outline, *, attempt: str) -> None:
        """Replace the document's body with `doc`. `attempt` is unique per try (idempotent retries within it)."""
        ...

    def share(self, document_id: str, chat_id: str) -> None:
        """Let the group's members read the document."""
        ...


def title_of(incident: Incident) -> str:
    """The document's title: carries the incident's id, so a lost create is found again by it."""
    return render("retro/doc_title", incident=incident)


def request(session: Session, incident: Incident, settings: Settings, *, now: datetime) -> RetroDocument | None:
    """Ask for the incident's document as of `now` (the retro's business time); None when no folder is set."""
    if not settings.feishu_doc_folder_token:
        return None
    row = session.exec(select(RetroDocument).where(RetroDocument.incident_id == incident.id)).first()
    if row is None:
        row = RetroDocument(incident_id=incident.id, chat_id=incident.chat_id, title=title_of(incident), as_of=now)
    else:
        row.revision += 1
        row.as_of = now
    if row.status != "pending":  # a pending row is due already, backing off, or being written (its lease holds)
        row.next_attempt_at = utcnow()
    row.status = "pending"
    row.attempts = 0
    row.last_error = None
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class _Job:
    row_id: int
    chat_id: str
    title: str
    revision: int
    attempts: int
    document_id: str | None
    url: str
    create_sent: bool
    shared: bool


def write_due(engine: Engine, settings: Settings, writer: DocWriter, *, now: datetime, limit: int = 5) -> float | None:
    """Write the documents that are due (wall-clock `now`); returns seconds until the next retry (None: nothing)."""
    with Session(engine) as session:
        rows = session.exec(
            select(RetroDocument)
            .where(RetroDocument.status == "pending")
            .order_by(RetroDocument.next_attempt_at)
            .limit(limit)
        ).all()
        due = [(row.id, as_utc(row.next_attempt_at)) for row in rows]
    wait: float | None = None
    for row_id, at in due:
        if at > now:
            seconds = (at - now).total_seconds()
            wait = seconds if wait is None else min(wait, seconds)
            continue
        write_one(engine, settings, writer, row_id, now=now)
        wait = 0
    return wait


def write_one(engine: Engine, settings: Settings, writer: DocWriter, row_id: int, *, now: datetime) -> None:
    """One attempt at one document, if this process wins its lease (replicas share the database). Network calls run
    outside any database transaction."""
    with Session(engine) as session:
        if not _claim(session, row_id, now=now):
            return
        row = session.get(RetroDocument, row_id)
        job = _Job(
            row.id,
            row.chat_id,
            row.title,
            row.revision,
            row.attempts,
            row.document_id,
            row.url,
            row.create_started_at is not None,
            row.shared,
        )
        try:
            doc = outline(session, session.get(Incident, row.incident_id), settings, now=as_utc(row.as_of))
        except Exception as exc:  # the retro could not be compiled (a broken playbook folder …): retried, logged
            log.exception("retro document for incident row %s: the retro could not be compiled", job.row_id)
            doc = None
            failure = DocError(f"{type(exc).__name__}: {exc}", step="compile", retryable=True)
    if doc is None:
        _failed(engine, settings, job, failure, now=now)
        return
    try:
        placed = _place(engine, writer, job, now=now)
        writer.rewrite(placed.document_id, doc, attempt=f"{job.row_id}.{job.revision}.{job.attempts}")
        if not job.shared:
            writer.share(placed.document_id, job.chat_id)
    except DocError as exc:
        _failed(engine, settings, job, exc, now=now)
        return
    except Exception as exc:  # a bug or an unexpected answer: retried like a network error, never a crash
        log.exception("retro document for incident row %s failed", job.row_id)
        _failed(engine, settings, job, DocError(f"{type(exc).__name__}: {exc}", step="write", retryable=True), now=now)
        return
    _written(engine, job, placed, now=now)


def _claim(session: Session, row_id: int, *, now: datetime) -> bool:
    """Take the row for `LEASE` (one writer at a time across processes); False when it is not due or taken. A
    process that dies mid-write leaves the lease to run out, then another (or the restarted one) rebuilds."""
    taken = session.execute(
        sa.update(RetroDocument)
        .where(RetroDocument.id == row_id, RetroDocument.status == "pending", RetroDocument.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
    )
    session.commit()
    return taken.rowcount == 1


def _place(engine: Engine, writer: DocWriter, job: _Job, *, now: datetime) -> Placed:
    """The recorded document; else the one a lost create made; else a new one, the intent committed first."""
    if job.document_id:
        return Placed(job.document_id, job.url)
    placed = writer.find(job.title) if job.create_sent else None
    if placed is None:
        with Session(engine) as session:
            row = session.get(RetroDocument, job.row_id)
            row.create_started_at = now
            session.add(row)
            session.commit()
        placed = writer.create(job.title)
    with Session(engine) as session:
        row = session.get(RetroDocument, job.row_id)
        row.document_id, row.url = placed.document_id, placed.url
        session.add(row)
        session.commit()
    log.info("retro document %s placed for incident row %s", placed.document_id, job.row_id)
    return placed


def _written(engine: Engine, job: _Job, placed: Placed, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(RetroDocument, job.row_id)
        row.written_revision = job.revision
        row.shared = True
        row.last_error = None
        if row.revision == job.revision:
            row.status = "done"
        else:  # a newer retro was asked for meanwhile: written again at once
            row.next_attempt_at = now
        session.add(row)
        text = render(
            "retro/doc_ready", url=placed.url, title=job.title, updated=job.revision > 1, revision=job.revision
        )
        outbox.enqueue(
            session, [Outbound(chat_id=job.chat_id, text=text)], key=f"retro_doc:{job.row_id}:{job.revision}"
        )
        session.commit()
    log.info("retro document %s written (revision %d)", placed.document_id, job.revision)


def _failed(engine: Engine, settings: Settings, job: _Job, exc: DocError, *, now: datetime) -> None:
    with Session(engine) as session:
        row = session.get(RetroDocument, job.row_id)
        row.last_error = str(exc)[-2000:]
        if exc.gone and row.document_id and row.attempts + 1 < settings.outbox_max_attempts:
            log.warning("retro document %s is gone (code %s); a new one is made", row.document_id, exc.code)
            row.document_id, row.url, row.create_started_at, row.shared = None, "", None, False
            row.attempts += 1
            row.next_attempt_at = now
        elif exc.denied:
            row.status = "blocked"
            log.warning("retro document refused (%s, step %s, code %s): %s", exc.denied, exc.step, exc.code, exc)
            text = render("retro/doc_denied", reason=exc.denied, needs=exc.needs, code=exc.code)
            outbox.enqueue(
                session, [Outbound(chat_id=job.chat_id, text=text)], key=f"retro_doc_denied:{job.row_id}:{job.revision}"
            )
        elif exc.retryable and row.attempts + 1 < settings.outbox_max_attempts:
            row.attempts += 1
            delay = outbox.retry_delay(
                row.attempts,
                exc.retry_after,
                base=settings.outbox_retry_base_seconds,
                cap=settings.outbox_retry_cap_seconds,
            )
            row.next_attempt_at = now + delay
            log.warning("retro document: %s (code %s); attempt %d again in %s", exc, exc.code, row.attempts, delay)
        else:
            row.status = "failed"
            log.error("retro document given up after %d attempt(s) (code %s): %s", row.attempts + 1, exc.code, exc)
            text = render("retro/doc_failed", code=exc.code)
            outbox.enqueue(
                session, [Outbound(chat_id=job.chat_id, text=text)], key=f"retro_doc_failed:{job.row_id}:{job.revision}"
            )
        session.add(row)
        session.commit()
