"""Tables of the core: the durable inbox and outbox, and small app-wide state."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when


class InboxEvent(SQLModel, table=True):
    """A raw inbound event, persisted before it is acknowledged."""

    __tablename__ = "inbox_event"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)  # transport: feishu | sandbox | …
    event_id: str = Field(max_length=128, unique=True)
    message_id: str | None = Field(default=None, max_length=128, unique=True)
    event_type: str = Field(max_length=128)
    chat_id: str | None = Field(default=None, max_length=128, index=True)
    payload: str = Field(sa_type=sa.Text())
    status: str = Field(default="pending", max_length=16, index=True)  # pending | done | dead
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    received_at: datetime = when(default=True)
    next_attempt_at: datetime = when(default=True, index=True)
    processed_at: datetime | None = when(nullable=True)


class OutboxMessage(SQLModel, table=True):
    """A message to send, durable until the transport confirmed it."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=64, unique=True)  # idempotency key for the transport
    chat_id: str = Field(max_length=128, index=True)
    kind: str = Field(max_length=16)  # text | card | image | file
    payload: str = Field(sa_type=sa.Text())  # JSON of the Outbound, minus binary content
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary())
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent | dead
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    source_event_id: str | None = Field(default=None, max_length=128)
    ref: str | None = Field(default=None, max_length=64, index=True)  # what it is, e.g. "incident:3:card"
    sent_message_id: str | None = Field(default=None, max_length=128, index=True)
    created_at: datetime = when(default=True)
    next_attempt_at: datetime = when(default=True, index=True)
    sent_at: datetime | None = when(nullable=True)


class LiveMessage(SQLModel, table=True):
    """One message per `ref` kept up to date in place (a role's task card): the transport's id of its live
    version, and a fingerprint of what the last queued version shows (its owner decides when it is stale)."""

    __tablename__ = "live_message"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True)  # the Outbound ref, e.g. "incident:3:steps:ops"
    message_id: str | None = Field(default=None, max_length=128)  # None until the first version is delivered
    shown: str | None = Field(default=None, max_length=64)  # fingerprint of the last queued version
    sent_at: datetime | None = when(nullable=True)  # when the live version was first sent
    updated_at: datetime = when(default=True)


class AppState(SQLModel, table=True):
    """Install-wide values that must survive restarts (e.g. the report signing secret)."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=sa.Text())


class SendWindow(SQLModel, table=True):
    """The last sends to one chat (or to the whole app, key `*app*`), shared by every process on the database:
    epoch seconds, oldest first, at most as many as the limit allows per second (bot.core.ratelimit)."""

    __tablename__ = "send_window"

    key: str = Field(primary_key=True, max_length=128)
    stamps: str = Field(default="", sa_type=sa.Text())
