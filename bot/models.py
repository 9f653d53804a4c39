"""Tables. Every datetime is stored as UTC and read back UTC-aware."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from bot.timeutil import as_utc, utcnow


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def _when(*, nullable: bool = False, index: bool = False, default: bool = False):
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime(),
        nullable=nullable,
        index=index,
    )


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
    received_at: datetime = _when(default=True)
    next_attempt_at: datetime = _when(default=True, index=True)
    processed_at: datetime | None = _when(nullable=True)


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
    sent_message_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = _when(default=True)
    next_attempt_at: datetime = _when(default=True, index=True)
    sent_at: datetime | None = _when(nullable=True)


class AppState(SQLModel, table=True):
    """Install-wide values that must survive restarts (e.g. the report signing secret)."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=sa.Text())


class SandboxMessage(SQLModel, table=True):
    """The sandbox chat transcript: what members posted and what the bot answered."""

    __tablename__ = "sandbox_message"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str | None = Field(default=None, max_length=64, unique=True)  # bot sends: idempotency key
    chat_id: str = Field(max_length=128, index=True)
    sender_id: str = Field(max_length=128)
    sender_name: str = Field(max_length=128)
    from_bot: bool = False
    kind: str = Field(default="text", max_length=16)
    text: str = Field(sa_type=sa.Text())
    payload: str | None = Field(default=None, sa_type=sa.Text())
    created_at: datetime = _when(default=True)
