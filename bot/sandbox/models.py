"""The sandbox transcript: what members and the bot said in the web chat."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.core.columns import when


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
    created_at: datetime = when(default=True)
    revision: int = Field(default=0, index=True)  # moves on at every insert and update: what the page redraws


@sa.event.listens_for(SandboxMessage, "before_insert")
@sa.event.listens_for(SandboxMessage, "before_update")
def _next_revision(_mapper, _connection, row: SandboxMessage) -> None:
    """One counter over the transcript, computed in the statement itself (writes to it are serialised)."""
    row.revision = sa.select(sa.func.coalesce(sa.func.max(SandboxMessage.revision), 0) + 1).scalar_subquery()


# ---- incidents ------------------------------------------------------------------------------
