"""What the outbox needs from a transport: send one message, idempotently."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.messages import Inbound, Outbound


class SendError(Exception):
    """A send that failed. `retryable` errors are tried again with backoff."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class NotEditable(SendError):
    """The message can no longer be updated in place (too old to edit, recalled, gone). `visible`: it still
    shows in the chat, so the newer version must say it replaces it."""

    def __init__(self, message: str, *, visible: bool) -> None:
        super().__init__(message, retryable=False)
        self.visible = visible


class Messenger(Protocol):
    def send(self, message: Outbound, *, uuid: str) -> str:
        """Deliver `message`; return the transport's message id. `uuid` makes retries idempotent. With
        `update_message_id`, update that message in place instead (NotEditable when it cannot be)."""
        ...


class ReadError(Exception):
    """Reading from the transport failed (network, permissions, message gone)."""


class ChatReader(Protocol):
    """What the core may read back from the chat platform."""

    def history(self, chat_id: str, start: datetime, end: datetime) -> list[Inbound]:
        """Messages posted in the chat between start and end, oldest first."""
        ...

    def fetch(self, message_id: str) -> Inbound | None:
        """One message by id; None when it no longer exists."""
        ...

    def download(self, message_id: str, key: str, kind: str) -> bytes:
        """The bytes of an image or file attached to a message."""
        ...

    def members(self, chat_id: str) -> dict[str, str]:
        """The chat's members: user id → display name (raises ReadError when the platform cannot say)."""
        ...

    def owner(self, chat_id: str) -> str | None:
        """The user id of the group's owner; None where the platform has no owner (the sandbox, a replay);
        raises ReadError when the platform cannot say."""
        ...
